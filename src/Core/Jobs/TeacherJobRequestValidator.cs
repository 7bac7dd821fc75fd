using DistillService.Core.Data;

namespace DistillService.Core.Jobs;

public static class TeacherJobRequestValidator
{
    /// <summary>Every problem with the request, keyed by the JSON path of the field.</summary>
    public static ValidationErrors Validate(TeacherJobRequest request, DatasetCatalog datasets)
    {
        var errors = new ValidationErrors();
        var normalised = request.Normalised();
        if (string.IsNullOrWhiteSpace(request.DatasetId))
            errors.Add("datasetId", "datasetId is required.");
        else if (!datasets.Exists(request.DatasetId))
            errors.Add("datasetId", $"Unknown dataset '{request.DatasetId}'. GET /api/datasets lists the known ones.");
        TrainingRequestValidator.ValidateDevice(request.Device, errors);
        TrainingRequestValidator.ValidateModel(normalised.Model!, errors);
        TrainingRequestValidator.ValidateTraining(normalised.Training!, normalised.Model!, errors);
        return errors;
    }
}
