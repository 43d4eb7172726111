using System.Globalization;
using k8s.Autorest;
using Polly.Timeout;

namespace AgentJobSync.WatchHost.Health;

/// <summary>One line saying why an API server call failed, with the HTTP status code when there was an answer.</summary>
public static class FailureText
{
    /// <summary>The HTTP status code of the answer, or 0 when none came (unreachable, timed out).</summary>
    public static int StatusCode(Exception exception) => exception switch
    {
        HttpOperationException { Response: { } response } => (int)response.StatusCode,
        { InnerException: { } inner } => StatusCode(inner),
        _ => 0,
    };

    /// <summary>Describes <paramref name="exception"/>: <c>403 Forbidden</c>, <c>no answer within …</c> or the exception's message.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var code = StatusCode(exception);
        return exception switch
        {
            _ when code != 0 => string.Create(CultureInfo.InvariantCulture, $"HTTP {code} {(System.Net.HttpStatusCode)code}"),
            TimeoutRejectedException timeout => "no answer within " + timeout.Timeout,
            TaskCanceledException { InnerException: TimeoutException } => "no answer within the request timeout",
            _ => exception.GetType().Name + ": " + exception.Message,
        };
    }
}
