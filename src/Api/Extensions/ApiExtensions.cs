using DistillService.Core.Data.Registration;
using DistillService.Api.Events;
using DistillService.Api.Inference;
using DistillService.Api.Infrastructure;
using DistillService.Api.OpenApi;
using DistillService.Api.Security;
using Microsoft.Extensions.Options;
using DistillService.Core;
using DistillService.Core.Configuration;
using DistillService.Core.Persistence;
using Hangfire;
using Microsoft.AspNetCore.Http.Json;

namespace DistillService.Api.Extensions;

public static class ApiExtensions
{
    /// <summary>Where the API listens when nothing says otherwise: this machine only, on the documented port.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Malformed bodies reach the exception handler, which says what is wrong, instead of a bare 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.AllowTrailingCommas = true);
        services.AddOpenApi(o => o.AddDocumentTransformer<ApiDocumentTransformer>().AddOperationTransformer<ExampleBodiesTransformer>()
            .AddOperationTransformer<ApiKeyOperationTransformer>().AddOperationTransformer<ResponseContentTransformer>()
            .AddSchemaTransformer<ImageSizeSchemaTransformer>());
        services.AddHealthChecks().AddDbContextCheck<DistillDbContext>("database");
        // Registration answers at once; this host reads the registered folders.
        services.AddHostedService<DatasetInspectionService>();
        services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section));
        services.AddSingleton<ApiKeyValidator>();
        services.AddSingleton<ApiKeyFilter>();
        services.AddSubmissionRateLimits(builder.Configuration);
        services.AddSingleton<JobEventStream>();
        services.AddSingleton<ModelCache>();

        var worker = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        if (worker.InProcess) builder.AddDistillJobServer();
        return builder;
    }

    /// <summary>
    /// Listens on <see cref="DefaultUrl"/> unless the platform's settings name addresses: <c>ASPNETCORE_URLS</c>,
    /// <c>--urls</c>, <c>Urls</c>, or <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (what container platforms set).
    /// </summary>
    public static WebApplicationBuilder UseDefaultUrlUnlessConfigured(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration["urls"]) && string.IsNullOrWhiteSpace(configuration["http_ports"])
            && string.IsNullOrWhiteSpace(configuration["https_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        return builder;
    }

    public static WebApplication UseApi(this WebApplication app)
    {
        StartupSecurityCheck.Verify(app.Configuration,
            app.Services.GetRequiredService<IOptions<AuthOptions>>(), app.Services.GetRequiredService<IOptions<StorageOptions>>());

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "DistillService v1");
            o.RoutePrefix = "swagger";
            o.DocumentTitle = "DistillService";
        });
        app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();

        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            DashboardTitle = "DistillService jobs",
            Authorization = [new DashboardAuthorization(app.Services.GetRequiredService<ApiKeyValidator>())],
        });

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in app.Urls)
                app.Logger.LogInformation("Swagger UI: {Address}/swagger", address.TrimEnd('/'));
        });
        return app;
    }
}
