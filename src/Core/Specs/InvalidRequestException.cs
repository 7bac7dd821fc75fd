namespace DistillService.Core.Specs;

/// <summary>A request that cannot be accepted (a job submission, a dataset registration): the field-level problems for a 400 answer.</summary>
public sealed class InvalidRequestException(ValidationErrors errors) : Exception("The request is invalid.")
{
    public ValidationErrors Errors { get; } = errors;

    public static InvalidRequestException For(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return new InvalidRequestException(errors);
    }
}
