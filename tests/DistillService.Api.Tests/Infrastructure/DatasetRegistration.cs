using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>POST /api/datasets, then the dataset once its background inspection has ended (ready or invalid).</summary>
public static class DatasetRegistration
{
    public static async Task<JsonElement> RegisterAndWaitAsync(HttpClient client, string name, string format, string path)
    {
        var response = await client.PostAsJsonAsync("/api/datasets", new { name, format, path });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("inspecting", accepted.GetProperty("status").GetString());
        return await WaitAsync(client, response.Headers.Location!.ToString());
    }

    public static async Task<JsonElement> WaitAsync(HttpClient client, string location)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var dataset = await client.GetFromJsonAsync<JsonElement>(location);
            if (dataset.GetProperty("status").GetString() != "inspecting") return dataset;
            Assert.True(DateTime.UtcNow < deadline, $"the inspection did not end: {dataset}");
            await Task.Delay(100);
        }
    }
}
