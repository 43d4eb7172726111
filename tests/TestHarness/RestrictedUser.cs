using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentJobSync.TestHarness;

/// <summary>
/// A service account of one namespace with a kubeconfig of its own (a token from the TokenRequest API), whose rights a
/// test grants and revokes by creating and deleting RoleBindings, to see a process run into 403s. Its two roles:
/// <see cref="AgentJobReader"/> (get, list, watch AgentJobs) and <see cref="LeaderAndEvents"/> (the Lease and Events).
/// </summary>
public sealed class RestrictedUser
{
    /// <summary>Reads AgentJobs.</summary>
    public const string AgentJobReader = "agentjob-reader";

    /// <summary>Campaigns on Leases and writes Events.</summary>
    public const string LeaderAndEvents = "leader-and-events";

    private readonly IKubernetes admin;

    private RestrictedUser(IKubernetes admin, string ns, string name, string kubeconfigPath)
    {
        this.admin = admin;
        Namespace = ns;
        Name = name;
        KubeconfigPath = kubeconfigPath;
    }

    /// <summary>The namespace of the service account, its roles and bindings.</summary>
    public string Namespace { get; }

    /// <summary>The service account's name.</summary>
    public string Name { get; }

    /// <summary>A kubeconfig that authenticates as this service account.</summary>
    public string KubeconfigPath { get; }

    /// <summary>Creates the service account and both roles (bound to nothing yet) in <paramref name="ns"/>.</summary>
    public static async Task<RestrictedUser> CreateAsync(ControlPlane kube, string ns, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kube);
        var admin = kube.Client;
        await admin.CoreV1.CreateNamespacedServiceAccountAsync(
            new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        await CreateRoleAsync(admin, ns, AgentJobReader, [new V1PolicyRule
        {
            ApiGroups = ["ea.erulabs.ai"], Resources = ["agentjobs"], Verbs = ["get", "list", "watch"],
        }], cancellationToken).ConfigureAwait(false);
        await CreateRoleAsync(admin, ns, LeaderAndEvents, [
            new V1PolicyRule { ApiGroups = ["coordination.k8s.io"], Resources = ["leases"], Verbs = ["get", "create", "update"] },
            new V1PolicyRule { ApiGroups = ["events.k8s.io"], Resources = ["events"], Verbs = ["create", "patch"] },
        ], cancellationToken).ConfigureAwait(false);
        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, name, ns,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var path = kube.WriteKubeconfig(Path.Combine(kube.Directory, $"{ns}-{name}.kubeconfig"), token: token.Status.Token);
        return new RestrictedUser(admin, ns, name, path);
    }

    /// <summary>Binds <paramref name="role"/> to the service account.</summary>
    public async Task GrantAsync(string role, CancellationToken cancellationToken = default)
    {
        var binding = new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = $"{Name}-{role}" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = role },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = Name, NamespaceProperty = Namespace }],
        };
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the binding of <paramref name="role"/> (nothing when it is not bound).</summary>
    public async Task RevokeAsync(string role, CancellationToken cancellationToken = default)
    {
        try
        {
            await admin.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync($"{Name}-{role}", Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // not bound
        }
    }

    private static Task CreateRoleAsync(IKubernetes admin, string ns, string name, List<V1PolicyRule> rules, CancellationToken cancellationToken) =>
        admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role { Metadata = new V1ObjectMeta { Name = name }, Rules = rules }, ns, cancellationToken: cancellationToken);
}
