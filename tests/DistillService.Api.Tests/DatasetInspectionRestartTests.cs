using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Persistence;
using DistillService.Core.Tests.Support.Datasets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

public sealed class DatasetInspectionRestartTests
{
    [Fact]
    public async Task ADatasetAStoppedHostLeftInspectingIsInspectedWhenTheServiceStartsAgain()
    {
        using var dataRoot = new TempDirectory();
        var fixture = DatasetFixtures.Folder(Path.Combine(dataRoot.Path, "datasets", "interrupted"), train: 3, val: 2);
        using (var first = DistillApiFactory.Embedded(dataRoot: dataRoot.Path))
        {
            first.CreateClient();
            // What a host killed in the middle of an inspection leaves: the row, still inspecting, part-way.
            await using var db = await first.Services.GetRequiredService<IDbContextFactory<DistillDbContext>>().CreateDbContextAsync();
            db.Datasets.Add(new DatasetRecord
            {
                Id = "interrupted", Name = "interrupted", Format = "folder", Path = "interrupted", NumClasses = 3,
                ClassesJson = "[]", Description = "", CreatedAt = DateTime.UtcNow,
                Status = DatasetStatuses.Inspecting, InspectedImages = 2, ImagesToInspect = fixture.Images.Count,
            });
            await db.SaveChangesAsync();
        }

        using var second = DistillApiFactory.Embedded(dataRoot: dataRoot.Path);
        var dataset = await DatasetRegistration.WaitAsync(second.CreateClient(), "/api/datasets/interrupted");

        Assert.Equal("ready", dataset.GetProperty("status").GetString());
        Assert.Equal(3, dataset.GetProperty("splits").GetProperty("train").GetProperty("images").GetInt32());
        Assert.Equal(fixture.Images.Count, dataset.GetProperty("inspection").GetProperty("inspected").GetInt32());
        Assert.Equal(JsonValueKind.Null, dataset.GetProperty("problems").ValueKind);
    }
}
