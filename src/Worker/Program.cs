using DistillService.Core;
using DistillService.Core.Torch;
using DistillService.Core.Persistence;
using DistillService.Worker;
using Microsoft.Extensions.Diagnostics.HealthChecks;

// Before anything can load libtorch: libgomp reads its idle spin from the environment then (OpenMpSpin).
OpenMpSpin.TrySet();

var builder = Host.CreateApplicationBuilder(args);

if (SqliteWorkerGuard.Refusal(builder.Configuration) is { } refusal)
{
    Console.Error.WriteLine(refusal);
    return 2;
}

// Records, blobs, datasets and the Hangfire storage shared with the API.
builder.AddDistillCore();

// A Hangfire server consuming the configured queues ("gpu,cpu" where CUDA is available, else "cpu").
builder.AddDistillJobServer();

// Liveness for container health checks: a file refreshed while the database answers (Health:File).
builder.Services.AddHealthChecks().AddDbContextCheck<DistillDbContext>("database");
builder.Services.AddSingleton<IHealthCheckPublisher>(
    new HealthFilePublisher(builder.Configuration["Health:File"] ?? HealthFilePublisher.DefaultPath));
builder.Services.Configure<HealthCheckPublisherOptions>(o => o.Period = TimeSpan.FromSeconds(15));

builder.Build().Run();
return 0;
