using System.Text.Json;
using DistillService.Core.Jobs;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace DistillService.Api.Infrastructure;

/// <summary>The one place exceptions become problem details: bad input is a 4xx that says what is wrong.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is SubmissionException invalid)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new HttpValidationProblemDetails(invalid.Errors.ToDictionary())
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "One or more validation errors occurred.",
                },
            });
        }

        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (StatusCodes.Status400BadRequest, "Malformed JSON body", json.Message),
            BadHttpRequestException bad =>
                (bad.StatusCode, "Bad request", bad.Message),
            NotFoundException notFound =>
                (StatusCodes.Status404NotFound, "Not found", notFound.Message),
            QueueUnavailableException unavailable =>
                (StatusCodes.Status503ServiceUnavailable, "Job queue unavailable", unavailable.Message),
            _ => (StatusCodes.Status500InternalServerError, "Internal error", "The server failed to process the request."),
        };
        if (status >= 500) logger.LogError(exception, "Request failed: {Title}", title);
        if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "5";

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

public sealed class NotFoundException(string message) : Exception(message);
