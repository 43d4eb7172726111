using System.Security.Cryptography;
using System.Text;

namespace AgentJobSync.Dashboard.Access;

/// <summary>
/// Checks a presented credential against the configured token in constant time. The browser's cookie carries a value
/// derived from the token (an HMAC), not the token itself, so a leaked cookie does not reveal the token; every silo
/// derives the same value, so one login works on any silo behind a Service.
/// </summary>
public sealed class DashboardToken
{
    private static readonly byte[] SessionLabel = Encoding.UTF8.GetBytes("agentjob-sync dashboard session v1");
    private readonly byte[] _tokenHash;
    private readonly string _sessionValue;

    public DashboardToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _sessionValue = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), SessionLabel))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The cookie value a successful login sets.</summary>
    public string SessionValue => _sessionValue;

    /// <summary>Whether <paramref name="candidate"/> is the token.</summary>
    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(_tokenHash, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));

    /// <summary>Whether <paramref name="candidate"/> is the cookie value a login set.</summary>
    public bool MatchesSession(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(_sessionValue)), SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));
}
