namespace DistillService.Core.Jobs;

/// <summary>A submission that cannot be accepted; carries the field-level problems for a 400 answer.</summary>
public sealed class SubmissionException(ValidationErrors errors) : Exception("The request is invalid.")
{
    public ValidationErrors Errors { get; } = errors;

    public static SubmissionException For(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return new SubmissionException(errors);
    }
}
