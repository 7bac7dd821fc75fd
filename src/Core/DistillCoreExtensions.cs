using DistillService.Core.Hosting;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Data.Registration;
using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Cache;
using DistillService.Core.Jobs.Catalog;
using DistillService.Core.Jobs.Deletion;
using DistillService.Core.Jobs.Distill;
using DistillService.Core.Jobs.Pipelines;
using DistillService.Core.Jobs.Report;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Jobs.TeacherImport;
using DistillService.Core.Jobs.Workers;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Torch;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DistillService.Core;

public static class DistillCoreExtensions
{
    /// <summary>Records, blobs, datasets, job services and the Hangfire client: what both hosts share.</summary>
    public static IHostApplicationBuilder AddDistillCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TorchOptions>().Bind(configuration.GetSection(TorchOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatasetOptions>().Bind(configuration.GetSection(DatasetOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InferenceOptions>().Bind(configuration.GetSection(InferenceOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ModelImportOptions>().Bind(configuration.GetSection(ModelImportOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var worker = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        var dataRoot = storage.AbsoluteDataRoot(builder.Environment.ContentRootPath);
        Directory.CreateDirectory(dataRoot);

        // Hangfire's defaults take a host's storage and job activator from process-wide statics
        // (JobStorage.Current, JobActivator.Current) that every host's configuration overwrites: in a
        // process with two hosts (the API tests) one host could poll the other's queue or build its jobs
        // from the other's container. Each host keeps its own, captured when its configuration runs.
        JobStorage? hostStorage = null;
        services.AddSingleton<JobStorage>(sp =>
        {
            sp.GetRequiredService<IGlobalConfiguration>(); // runs the configuration below, which sets hostStorage
            return hostStorage ?? throw new InvalidOperationException("Hangfire storage was not configured.");
        });
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));

        if (storage.Provider == StorageProvider.Postgres)
        {
            var connectionString = configuration.GetConnectionString("Postgres") is { Length: > 0 } cs
                ? cs
                : throw new InvalidOperationException("ConnectionStrings:Postgres is required when Storage:Provider is Postgres.");
            // Retries transient failures (a restarting server, a dropped connection) instead of failing the job.
            services.AddDbContextFactory<PostgresDistillDbContext>(o => o.UseNpgsql(connectionString,
                npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 6, maxRetryDelay: TimeSpan.FromSeconds(5), errorCodesToAdd: null)));
            services.AddSingleton<IDbContextFactory<DistillDbContext>, DistillDbContextFactory<PostgresDistillDbContext>>();
            services.AddHangfire((sp, c) => hostStorage = c.UseDistillDefaults(sp).UsePostgreSqlStorage(
                o => o.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    // Without the sliding timeout a job longer than InvisibilityTimeout is fetched by a second worker.
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = worker.InvisibilityTimeout,
                    DistributedLockTimeout = worker.DistributedLockTimeout,
                    QueuePollInterval = worker.QueuePollInterval,
                    PrepareSchemaIfNecessary = true,
                }).Entry);
        }
        else
        {
            var databasePath = Path.Combine(dataRoot, "distill.db");
            services.AddDbContextFactory<SqliteDistillDbContext>(o => o.UseSqlite($"Data Source={databasePath}"));
            services.AddSingleton<IDbContextFactory<DistillDbContext>, DistillDbContextFactory<SqliteDistillDbContext>>();
            services.AddHangfire((sp, c) => hostStorage = c.UseDistillDefaults(sp).UseSQLiteStorage(
                Path.Combine(dataRoot, "hangfire.db"),
                new SQLiteStorageOptions
                {
                    // This storage has no heartbeat: a fetched job becomes visible again after this long.
                    // The embedded server runs one job at a time, so that only matters after a crash.
                    InvisibilityTimeout = worker.InvisibilityTimeout,
                    QueuePollInterval = worker.QueuePollInterval,
                }).Entry);
        }

        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<DistillDbContext>>().CreateDbContext());
        services.AddSingleton<IBlobStore>(storage.Blobs == BlobStoreKind.S3
            ? new S3BlobStore(storage.S3, Path.Combine(dataRoot, "staging"))
            : new FileBlobStore(Path.Combine(dataRoot, "blobs")));
        services.AddSingleton(new DatasetFolders(DatasetsRoot(storage, dataRoot, builder.Environment.ContentRootPath)));
        services.AddSingleton<DatasetCatalog>();
        services.AddSingleton<IDatabaseSeed, BuiltInDatasetsSeed>();
        services.AddSingleton<DatasetInspectionQueue>();
        services.AddSingleton<DatasetRegistry>();
        services.AddSingleton<DatasetUploads>();
        services.AddSingleton<JobLifecycle>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobScheduler>();
        services.AddSingleton<ArtifactPublisher>();
        services.AddSingleton<ModelExports>();
        services.AddSingleton<StudentArtifacts>();
        services.AddSingleton<ChartPublisher>();
        services.AddSingleton<TrainedModelLoader>();
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton<PipelineSubmitter>();
        services.AddSingleton<JobControl>();
        services.AddSingleton<JobTrainingCallbacksFactory>();
        services.AddSingleton<JobKindRegistry>();
        services.AddTransient<JobExecutor>();
        // The kinds of job, each in its folder under Jobs/; the API maps a submission endpoint for each submittable one.
        services.AddJobKind<TeacherJobKind>();
        services.AddJobKind<CacheJobKind>();
        services.AddJobKind<DistillJobKind>();
        services.AddJobKind<ReportJobKind>();
        services.AddJobKind<ImportedTeacherJobKind>();
        services.AddSingleton<TeacherImporter>();
        services.AddSingleton<JobDeletion>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<WorkerDirectory>();
        services.AddSingleton<CheckpointRetention>();
        // Registered first so the schema exists before the job server or the API start.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseInitializer>());
        return builder;
    }

    /// <summary>A Hangfire server that executes jobs in this process (the Worker, or the API in the embedded default).</summary>
    public static IHostApplicationBuilder AddDistillJobServer(this IHostApplicationBuilder builder)
    {
        var worker = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        builder.Services.AddSingleton<IHostedService, TorchInitializer>();
        builder.Services.AddHostedService<CheckpointRetentionService>();
        builder.Services.AddHostedService<WorkerCardPublisher>();
        builder.Services.AddHangfireServer((sp, options) =>
        {
            var settings = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            options.Queues = JobServerQueues.Resolve(settings.Queues);
            options.WorkerCount = settings.Concurrency;
            options.ShutdownTimeout = settings.ShutdownTimeout;
            options.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
        });
        // The host must wait longer than Hangfire does, or a stopping job is killed mid-write.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownTimeout + TimeSpan.FromSeconds(10));
        return builder;
    }

    private static void AddJobKind<TKind>(this IServiceCollection services) where TKind : class, IJobKind
    {
        services.AddSingleton<TKind>();
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<TKind>());
    }

    /// <summary>The configured datasets root, or {DataRoot}/datasets, created when it is the default.</summary>
    private static string DatasetsRoot(StorageOptions storage, string dataRoot, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(storage.DatasetsRoot)) return storage.AbsoluteDatasetsRoot(contentRoot);
        var root = Path.Combine(dataRoot, "datasets");
        Directory.CreateDirectory(root);
        return root;
    }

    private static IGlobalConfiguration UseDistillDefaults(this IGlobalConfiguration configuration, IServiceProvider services) => configuration
        .UseLogProvider(new HostLogProvider(services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
        .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
        .UseSimpleAssemblyNameTypeSerializer()
        .UseRecommendedSerializerSettings();
}
