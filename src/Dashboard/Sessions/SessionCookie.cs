using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AgentJobSync.Dashboard.Sessions;

/// <summary>
/// The login cookie's value: <c>&lt;session id&gt;.&lt;expiry, Unix seconds&gt;.&lt;HMAC of both&gt;</c>, keyed by a value
/// derived from the dashboard's token. Every silo can check it without a call, so an expired, forged or made-up cookie is
/// refused before any session grain is asked (or activated); only an intact, unexpired cookie is looked up.
/// </summary>
public sealed class SessionCookie
{
    private static readonly byte[] KeyLabel = Encoding.UTF8.GetBytes("agentjob-sync dashboard session key v2");
    private readonly byte[] _key;

    public SessionCookie(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), KeyLabel);
    }

    /// <summary>A new random session id (256 bits, URL-safe).</summary>
    public static string NewSessionId() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The cookie value for session <paramref name="sessionId"/> expiring at <paramref name="expires"/>.</summary>
    public string Write(string sessionId, DateTimeOffset expires)
    {
        var payload = sessionId + "." + expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return payload + "." + Mac(payload);
    }

    /// <summary>The session id of an intact cookie that has not expired at <paramref name="now"/>; null otherwise.</summary>
    public string? Read(string? value, DateTimeOffset now)
    {
        var parts = value?.Split('.');
        if (parts is not { Length: 3 })
        {
            return null;
        }

        var payload = parts[0] + "." + parts[1];
        var intact = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(payload)), Encoding.ASCII.GetBytes(parts[2]));
        if (!intact || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        return seconds > now.ToUnixTimeSeconds() ? parts[0] : null;
    }

    private string Mac(string payload) => Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
