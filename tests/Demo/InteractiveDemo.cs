using System.Text;
using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Demo;

/// <summary>
/// `make demo`: three users with a few AgentJobs each, moved along random paths by the job-operator driver, a new job
/// every few seconds; each user's <c>jobs</c> array is printed whenever it changes, until Ctrl-C.
/// </summary>
internal sealed class InteractiveDemo(DemoSystem system)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var random = new Random();
        var owners = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid().ToString()).ToList();
        foreach (var owner in owners)
        {
            await system.Users.CreateUserAsync(owner, cancellationToken);
        }

        PrintEndpoints();
        var printer = Task.Run(() => PrintChangesAsync(owners, cancellationToken), cancellationToken);
        var driving = new List<Task>();
        for (var n = 1; !cancellationToken.IsCancellationRequested; n++)
        {
            var owner = owners[random.Next(owners.Count)];
            var job = await system.Driver.CreateAsync($"demo-{owner[..8]}-{n}", owner, cancellationToken);
            driving.Add(Task.Run(() => SlowlyDriveAsync(job, random, cancellationToken), cancellationToken));
            await Task.Delay(n <= 6 ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(5), cancellationToken);
        }

        await printer;
        return 0;
    }

    // A human-visible pace: a second or two between steps.
    private async Task SlowlyDriveAsync(OperatorJob job, Random random, CancellationToken cancellationToken)
    {
        foreach (var state in JobStates.RandomPath(random))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1000 + random.Next(2000)), cancellationToken);
            await system.Driver.SetStateAsync(job, state, cancellationToken);
        }
    }

    private async Task PrintChangesAsync(IReadOnlyList<string> owners, CancellationToken cancellationToken)
    {
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var owner in owners)
            {
                var doc = await system.Users.Collection.Find(Builders<BsonDocument>.Filter.Eq("id", owner)).FirstOrDefaultAsync(cancellationToken);
                var text = Render(owner, doc);
                if (!shown.TryGetValue(owner, out var before) || before != text)
                {
                    shown[owner] = text;
                    Console.WriteLine(text);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    private static string Render(string owner, BsonDocument? doc)
    {
        var text = new StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} user {owner[..8]} jobs:");
        foreach (var entry in doc?.GetValue("jobs", new BsonArray()).AsBsonArray.OfType<BsonDocument>() ?? [])
        {
            var deleted = UserDocuments.IsDeleted(entry) ? " (deleted)" : "";
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $" [{entry.GetValue("job_name", "?")}: {UserDocuments.Status(entry)}{deleted}]");
        }

        return text.ToString();
    }

    private void PrintEndpoints()
    {
        var env = system.Env;
        Console.WriteLine();
        Console.WriteLine("demo: everything is up.");
        Console.WriteLine($"  Kubernetes API   {env.Kube.ServerUrl}");
        Console.WriteLine($"  AgentJobs        kubectl --kubeconfig {env.Kube.KubeconfigPath} get aj -n {DemoSystem.Namespace}");
        Console.WriteLine($"  MongoDB          {env.Mongo.Url}  (database ainuUsers, collection users)");
        foreach (var silo in system.Cluster.Silos)
        {
            Console.WriteLine($"  silo             http://127.0.0.1:{silo.HttpPort}/healthz  (silo port {silo.SiloPort}, gateway {silo.GatewayPort})");
        }

        Console.WriteLine($"  watch host       http://127.0.0.1:{system.WatchHost.HttpPort}/readyz  /metrics");
        Console.WriteLine($"  dashboard        http://127.0.0.1:{system.Cluster.Silos[0].HttpPort}/dashboard/  (token {system.DashboardToken}; the sync view at /dashboard/sync, Orleans' at /dashboard/orleans/)");
        Console.WriteLine($"  logs             {system.Cluster.LogDirectory}");
        Console.WriteLine("demo: a job operator moves each job through its states; each user's jobs are printed as they change. Ctrl-C stops everything.");
        Console.WriteLine();
    }
}
