using DistillService.Api.Apis;
using DistillService.Api.Extensions;
using DistillService.Core;
using DistillService.Core.Torch;

// Before anything can load libtorch: libgomp reads its idle spin from the environment then (OpenMpSpin).
OpenMpSpin.TrySet();

var builder = WebApplication.CreateBuilder(args);

// Records, blobs, datasets, the Hangfire client, and (embedded default) a job server in this process.
builder.AddDistillCore();
builder.AddApi();
builder.UseDefaultUrlUnlessConfigured();

var app = builder.Build();

// Problem details, Swagger UI at /swagger, the Hangfire dashboard at /hangfire.
app.UseApi();

app.MapJobsApi();
app.MapJobEventsApi();
app.MapModelsApi();
app.MapPipelinesApi();
app.MapDatasetsApi();
app.MapWorkersApi();
app.MapHealthChecks("/health");

app.Run();

public partial class Program;
