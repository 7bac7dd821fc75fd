using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DistillService.Api.Security;

/// <summary>Checks a presented key against the configured ones in constant time.</summary>
public sealed class ApiKeyValidator(IOptions<AuthOptions> options)
{
    public bool KeysConfigured => options.Value.AllKeys.Count > 0;

    public bool IsAuthorised(HttpContext context)
    {
        var keys = options.Value.AllKeys;
        if (keys.Count == 0) return true; // embedded default: loopback only, checked at start
        var presented = context.Request.Headers[AuthOptions.HeaderName].ToString();
        if (presented.Length == 0) return false;
        var presentedBytes = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var key in keys)
            match |= CryptographicOperations.FixedTimeEquals(presentedBytes, Encoding.UTF8.GetBytes(key));
        return match;
    }
}
