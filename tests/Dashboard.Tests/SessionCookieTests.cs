using AgentJobSync.Dashboard.Sessions;

namespace AgentJobSync.Dashboard.Tests;

public sealed class SessionCookieTests
{
    private const string Token = "a-long-enough-dashboard-token";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_intact_cookie_names_its_session_until_it_expires()
    {
        var cookies = new SessionCookie(Token);
        var id = SessionCookie.NewSessionId();
        var value = cookies.Write(id, Now.AddHours(1));

        Assert.Equal(id, cookies.Read(value, Now));
        Assert.Equal(id, new SessionCookie(Token).Read(value, Now.AddMinutes(59)));
        Assert.Null(cookies.Read(value, Now.AddHours(1)));
        Assert.Null(cookies.Read(value, Now.AddDays(1)));
    }

    [Fact]
    public void A_cookie_with_its_expiry_pushed_back_or_another_key_is_refused()
    {
        var cookies = new SessionCookie(Token);
        var id = SessionCookie.NewSessionId();
        var value = cookies.Write(id, Now.AddHours(1));
        var parts = value.Split('.');
        var extended = parts[0] + "." + Now.AddDays(30).ToUnixTimeSeconds() + "." + parts[2];

        Assert.Null(cookies.Read(extended, Now));
        Assert.Null(new SessionCookie(Token + "-rotated").Read(value, Now));
        Assert.Null(cookies.Read(SessionCookie.NewSessionId(), Now));
        Assert.Null(cookies.Read(null, Now));
        Assert.DoesNotContain(Token, value, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_session_gets_a_new_id()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => SessionCookie.NewSessionId()).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(1000, ids.Count);
    }
}
