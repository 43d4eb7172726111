using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>Rejects settings the API server would refuse later, at start and with the setting named.</summary>
internal sealed partial class KubernetesMembershipOptionsValidator : IValidateOptions<KubernetesMembershipOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.Namespace) && (options.Namespace.Length > 63 || !Dns1123Label().IsMatch(options.Namespace)))
        {
            failures.Add($"Kubernetes membership: {nameof(options.Namespace)} '{options.Namespace}' is not a namespace name (DNS-1123 label)");
        }

        if (string.IsNullOrEmpty(options.Group) || options.Group.Length > 253 || !Dns1123Subdomain().IsMatch(options.Group) || !options.Group.Contains('.', StringComparison.Ordinal))
        {
            failures.Add($"Kubernetes membership: {nameof(options.Group)} '{options.Group}' is not an API group (a DNS subdomain with a dot)");
        }

        if (!string.IsNullOrEmpty(options.KubeconfigPath) && !File.Exists(options.KubeconfigPath))
        {
            failures.Add($"Kubernetes membership: {nameof(options.KubeconfigPath)} '{options.KubeconfigPath}' does not exist");
        }

        if (options.MaxAttempts is < 1 or > 1000)
        {
            failures.Add($"Kubernetes membership: {nameof(options.MaxAttempts)} {options.MaxAttempts} is outside 1..1000");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();
}
