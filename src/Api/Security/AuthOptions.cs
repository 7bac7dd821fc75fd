using System.Security.Cryptography;
using System.Text;

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

    /// <summary>
    /// Keys stored as their SHA-256 in hex (<c>printf %s "$KEY" | sha256sum</c>), for configuration files that should not
    /// hold the keys themselves.
    /// </summary>
    public List<string> ApiKeyHashes { get; set; } = [];

    public IReadOnlyList<string> AllKeys =>
        ApiKeys.Append(ApiKey ?? "").Where(k => !string.IsNullOrWhiteSpace(k)).Distinct().ToList();

    /// <summary>The SHA-256 of every accepted key, plain or hashed.</summary>
    public IReadOnlyList<byte[]> AllKeyHashes =>
        AllKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))
            .Concat(ApiKeyHashes.Where(h => !string.IsNullOrWhiteSpace(h)).Select(ParseHash))
            .ToList();

    private static byte[] ParseHash(string hex)
    {
        var trimmed = hex.Trim();
        if (trimmed.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)) trimmed = trimmed["sha256:".Length..];
        return trimmed.Length == 64 && trimmed.All(Uri.IsHexDigit)
            ? Convert.FromHexString(trimmed)
            : throw new InvalidOperationException("Auth:ApiKeyHashes entries must be 64 hex digits (SHA-256 of the key).");
    }
}
