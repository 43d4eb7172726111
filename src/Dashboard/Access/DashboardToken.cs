using System.Security.Cryptography;
using System.Text;

namespace AgentJobSync.Dashboard.Access;

/// <summary>Checks a presented token against the configured one in constant time.</summary>
public sealed class DashboardToken
{
    private readonly byte[] _tokenHash;

    public DashboardToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>Whether <paramref name="candidate"/> is the token.</summary>
    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(_tokenHash, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));
}
