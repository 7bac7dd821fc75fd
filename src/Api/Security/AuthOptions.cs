namespace DistillService.Api.Security;

/// <summary>Section "Auth": keys accepted in the X-Api-Key header.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const string HeaderName = "X-Api-Key";

    /// <summary>One key (the usual case, and what docker-compose sets).</summary>
    public string? ApiKey { get; set; }

    /// <summary>More keys, e.g. one per client, so one can be revoked alone.</summary>
    public List<string> ApiKeys { get; set; } = [];

    public IReadOnlyList<string> AllKeys =>
        ApiKeys.Append(ApiKey ?? "").Where(k => !string.IsNullOrWhiteSpace(k)).Distinct().ToList();
}
