using DistillService.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DistillService.Api.Tests;

/// <summary>
/// What a new user does first: open Swagger UI in a browser, run the pipeline example, see 202.
/// Real Kestrel and Debian's headless Chromium driven by Playwright (its own browser download is never used).
/// </summary>
public sealed class SwaggerBrowserTests : IDisposable
{
    // No job server: the test needs the 202, not minutes of training on the CI machine's cores.
    private readonly DistillApiFactory factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });

    [Fact]
    public async Task SwaggerUiRunsThePipelineExampleAndShowsTheAcceptedPipeline()
    {
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.Options());
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        page.SetDefaultTimeout(30_000);

        var root = await page.GotoAsync($"{address}/");
        Assert.EndsWith("/swagger/index.html", page.Url); // "/" leads to Swagger UI
        Assert.True(root!.Ok);

        var operation = page.Locator("#operations-Pipelines-SubmitPipeline");
        await operation.Locator(".opblock-summary").ClickAsync();
        await operation.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Try it out" }).ClickAsync();
        await operation.Locator("button.execute").ClickAsync();

        var response = operation.Locator(".live-responses-table tr.response");
        try
        {
            await Expect(response.Locator(".response-col_status")).ToHaveTextAsync("202", new() { Timeout = 30_000 });
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException($"{e.Message}{Environment.NewLine}Server errors: {factory.ServerErrors}", e);
        }
        // The body lists the pipeline's jobs, ending with the report.
        await Expect(response.Locator(".response-col_description")).ToContainTextAsync("\"role\": \"report\"");

        await operation.Locator(".live-responses-table").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("swagger-pipeline.png") });
    }

    public void Dispose() => factory.Dispose();
}
