using System.Security.Cryptography;
using System.Text.Json;
using DistillService.Core.Data;
using DistillService.Core.Export;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using DistillService.Core.Storage;

namespace DistillService.Core.Jobs.TeacherImport;

/// <summary>
/// Turns an uploaded safetensors file and its spec into a queued import job. Everything is checked before anything is
/// written (spec, file format, architecture, values); a refusal leaves no record and no blob behind.
/// </summary>
public sealed class TeacherImporter(DatasetCatalog datasets, IBlobStore blobs, JobSubmitter submitter)
{
    public const string SpecField = "spec";
    public const string WeightsField = "weights";

    /// <summary>A U-Net's header is a few kB; anything far larger is not one.</summary>
    public const long MaxHeaderBytes = 1024 * 1024;

    public JobRecord Import(string? specJson, byte[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var request = ParseSpec(specJson);
        var errors = new ValidationErrors();
        var spec = Validate(request, errors);
        errors.ThrowIfAny();

        using var model = LoadWeights(weights, spec!.Model, datasets.NumClasses(spec.DatasetId));
        var job = JobRecords.New(JobKinds.ImportedTeacher, spec.DatasetId,
            spec with { WeightsSha256 = Convert.ToHexStringLower(SHA256.HashData(weights)), WeightsBytes = weights.Length },
            spec.Device, 1, null);
        var key = BlobKeys.ImportedWeights(job.Id);
        blobs.Write(key, ModelIO.SaveState(model));
        try
        {
            submitter.Record([job], pipeline: null);
        }
        catch
        {
            blobs.Delete(key);
            throw;
        }
        return job;
    }

    private static TeacherImportRequest ParseSpec(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
            throw InvalidRequestException.For(SpecField, "spec is required: JSON { datasetId, model: { baseChannels, depth }, imageSize }.");
        try
        {
            return JsonSerializer.Deserialize<TeacherImportRequest>(json, JobJson.Options)
                ?? throw InvalidRequestException.For(SpecField, "spec must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw InvalidRequestException.For(SpecField, $"spec is not valid JSON: {e.Message}");
        }
    }

    private ImportedTeacherSpec? Validate(TeacherImportRequest request, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(request.DatasetId))
            errors.Add("spec.datasetId", "datasetId is required: the dataset whose classes the teacher predicts.");
        else if (datasets.Unusable(request.DatasetId) is { } datasetProblem)
            errors.Add("spec.datasetId", datasetProblem);
        if (request.Model is null) errors.Add("spec.model", "model is required: { baseChannels, depth }.");
        else TrainingRequestValidator.ValidateModel(request.Model, errors, "spec.model");
        if (request.ImageSize is null) errors.Add("spec.imageSize", "imageSize is required: the size the teacher was trained at.");
        else if (request.Model is not null) TrainingRequestValidator.ValidateImageSize(request.ImageSize, request.Model, errors, "spec.imageSize");
        TrainingRequestValidator.ValidateDevice(request.Device, errors, "spec.device");
        ValidateNormalization(request.Normalization, errors);
        if (!errors.IsEmpty) return null;
        return new ImportedTeacherSpec(request.DatasetId!, request.Model!, new TrainingSpec(ImageSize: request.ImageSize),
            request.Device!, "", 0);
    }

    private static void ValidateNormalization(NormalizationSpec? normalization, ValidationErrors errors)
    {
        if (normalization is null) return;
        var mean = SampleBatcher.Mean.ToArray();
        var std = SampleBatcher.Std.ToArray();
        static bool Same(float[]? given, float[] expected) =>
            given is not null && given.Length == expected.Length && given.Zip(expected).All(p => Math.Abs(p.First - p.Second) <= 1e-3);
        if (!Same(normalization.Mean, mean) || !Same(normalization.Std, std))
        {
            errors.Add("spec.normalization", "The service feeds models ImageNet normalisation, mean "
                + $"[{string.Join(", ", mean)}] and std [{string.Join(", ", std)}] on x/255; a teacher trained with other values "
                + "would see inputs it does not expect. Leave normalization out or give these.");
        }
    }

    private static UNet LoadWeights(byte[] weights, ModelSpec model, int numClasses)
    {
        try
        {
            var file = SafetensorsReader.Parse(weights, MaxHeaderBytes);
            return UNetWeightsImport.Load(file, model, inChannels: 3, numClasses);
        }
        catch (InvalidDataException e)
        {
            throw InvalidRequestException.For(WeightsField, e.Message);
        }
        catch (WeightsImportException e)
        {
            var errors = new ValidationErrors();
            foreach (var problem in e.Problems) errors.Add(WeightsField, problem);
            throw new InvalidRequestException(errors);
        }
    }
}
