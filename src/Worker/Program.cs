using DistillService.Core;

var builder = Host.CreateApplicationBuilder(args);

// Records, blobs, datasets and the Hangfire storage shared with the API.
builder.AddDistillCore();

// A Hangfire server consuming the configured queues ("gpu,cpu" where CUDA is available, else "cpu").
builder.AddDistillJobServer();

builder.Build().Run();
