using System.Runtime.InteropServices;
using AgentJobSync.Demo;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Models;
using MongoDB.Bson;

// make demo: the real components on this machine, until Ctrl-C.
using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onHangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);

const string Namespace = "ea-platform";
var publish = PublishedApps.Locate();
Console.WriteLine("demo: starting the control plane (etcd + kube-apiserver) and the MongoDB-wire server ...");
await using var env = await TestEnvironment.StartAsync(withToxiproxy: false, stop.Token);
await env.Kube.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: stop.Token);

// The users the front end knows: one document each in ainuUsers.users, with a manager entry already in `jobs`.
var users = env.Mongo.Client.GetDatabase("ainuUsers").GetCollection<BsonDocument>("users");
var owners = Enumerable.Range(1, 3).Select(_ => Guid.NewGuid().ToString()).ToList();
foreach (var owner in owners)
{
    await users.InsertOneAsync(new BsonDocument
    {
        { "id", owner }, { "compute_credits", 100 }, { "compute_devices", new BsonArray() },
        { "jobs", new BsonArray { new BsonDocument { { "id", "manager-" + owner[..8] }, { "job_type", "Manager" }, { "status", "Queued" } } } },
    }, cancellationToken: stop.Token);
}

Console.WriteLine("demo: starting 3 silos and the watch host ...");
var cluster = new LocalCluster(publish, siloCount: 3, env.Mongo.Url);
await using (cluster.ConfigureAwait(false))
{
    await cluster.StartAsync();

    var jobs = new SampleJobs(env.Kube.Client, Namespace);
    var created = new List<(string Name, string Owner, string Uid)>();
    foreach (var (owner, i) in owners.SelectMany(o => Enumerable.Range(1, 2).Select(i => (o, i))))
    {
        var name = $"demo-{owner[..8]}-{i}";
        created.Add((name, owner, await jobs.CreateAsync(name, owner, stop.Token)));
    }

    var random = new Random();
    string[] path = ["inactive", "executing", "completed"];
    foreach (var job in created)
    {
        var last = random.Next(path.Length + 1);
        foreach (var state in path.Take(last))
        {
            await jobs.SetStateAsync(job.Name, state, stop.Token);
        }
    }

    Console.WriteLine();
    Console.WriteLine("demo: everything is up.");
    Console.WriteLine($"  Kubernetes API   {env.Kube.ServerUrl}");
    Console.WriteLine($"  kubeconfig       {env.Kube.KubeconfigPath}");
    Console.WriteLine($"  AgentJobs        kubectl --kubeconfig {env.Kube.KubeconfigPath} get aj -n {Namespace}");
    Console.WriteLine($"  MongoDB          {env.Mongo.Url}  (database ainuUsers, collection users)");
    foreach (var silo in cluster.Silos)
    {
        Console.WriteLine($"  silo             http://127.0.0.1:{silo.HttpPort}/healthz  (silo port {silo.SiloPort}, gateway {silo.GatewayPort})");
    }

    Console.WriteLine($"  watch host       http://127.0.0.1:{cluster.WatchHostHttpPort}/healthz");
    Console.WriteLine($"  sample jobs      {created.Count} AgentJobs for {owners.Count} users: {string.Join(", ", created.Select(j => j.Name))}");
    Console.WriteLine();
    Console.WriteLine("demo: not wired yet, so the users' jobs arrays do not change: the watch host does not watch AgentJobs");
    Console.WriteLine("      and so never calls the grains (which persist entries when called); silos cluster on localhost");
    Console.WriteLine("      (not Kubernetes membership); no dashboard.");
    Console.WriteLine("demo: Ctrl-C (or SIGTERM) stops everything.");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("demo: stopping ...");
    }
}

// Every child (servers, silos, watch host) is stopped by the disposals above, never left behind.
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
