using System.Net;
using k8s;
using k8s.Models;

namespace AgentJobSync.Manifests.Tests;

/// <summary>What an identity may do (SelfSubjectAccessReview) and what a process's HTTP port answers.</summary>
internal static class Access
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<bool> AllowedAsync(IKubernetes client, string ns, string verb, string resource, string group)
    {
        var parts = resource.Split('/');
        var review = await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = group,
                    Resource = parts[0],
                    Subresource = parts.Length > 1 ? parts[1] : null,
                    Verb = verb,
                    NamespaceProperty = ns,
                },
            },
        });
        return review.Status.Allowed;
    }

    public static async Task<HttpStatusCode> GetAsync(int port, string path, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), cancellationToken);
        return response.StatusCode;
    }
}
