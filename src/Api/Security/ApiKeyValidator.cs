using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DistillService.Api.Security;

/// <summary>
/// Checks a presented key against the configured ones in constant time: both sides are compared as SHA-256 digests
/// (equal length, whatever the keys' lengths), every configured key is compared, and keys may be configured as hashes.
/// </summary>
public sealed class ApiKeyValidator(IOptions<AuthOptions> options)
{
    private readonly IReadOnlyList<byte[]> hashes = options.Value.AllKeyHashes;

    public bool KeysConfigured => hashes.Count > 0;

    public bool IsAuthorised(HttpContext context)
    {
        if (hashes.Count == 0) return true; // embedded default: loopback only, checked at start
        var presented = context.Request.Headers[AuthOptions.HeaderName].ToString();
        if (presented.Length == 0) return false;
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var hash in hashes) match |= CryptographicOperations.FixedTimeEquals(digest, hash);
        return match;
    }
}
