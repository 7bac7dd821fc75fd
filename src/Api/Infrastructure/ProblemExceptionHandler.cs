using System.Text.Json;
using DistillService.Core.Jobs;
using DistillService.Core.Specs;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace DistillService.Api.Infrastructure;

/// <summary>
/// The one place exceptions become problem details: endpoints throw, this answers. Bad input is a 4xx that says what is
/// wrong (a validation problem names the field); only a fault of the service itself is a 500.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem = exception switch
        {
            InvalidRequestException invalid => Validation(invalid.Errors.ToDictionary()),
            UploadRejectedException { StatusCode: StatusCodes.Status400BadRequest } rejected =>
                Validation(new Dictionary<string, string[]> { [rejected.Field] = [rejected.Message] }),
            UploadRejectedException rejected => Problem(rejected.StatusCode, "Upload too large", rejected.Message),
            ConflictException conflict => Problem(StatusCodes.Status409Conflict, conflict.Title, conflict.Message),
            BadHttpRequestException { InnerException: JsonException json } =>
                Problem(StatusCodes.Status400BadRequest, "Malformed JSON body", json.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge =>
                Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", tooLarge.Message),
            BadHttpRequestException bad => Problem(bad.StatusCode, "Bad request", bad.Message),
            QueueUnavailableException unavailable =>
                Problem(StatusCodes.Status503ServiceUnavailable, "Job queue unavailable", unavailable.Message),
            _ => Problem(StatusCodes.Status500InternalServerError, "Internal error", "The server failed to process the request."),
        };
        var status = problem.Status!.Value;
        if (status >= 500) logger.LogError(exception, "Request failed: {Title}", problem.Title);
        if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "5";

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = problem,
        });
    }

    private static HttpValidationProblemDetails Validation(IDictionary<string, string[]> errors) => new(errors)
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "One or more validation errors occurred.",
    };

    private static ProblemDetails Problem(int status, string title, string detail) =>
        new() { Status = status, Title = title, Detail = detail };
}
