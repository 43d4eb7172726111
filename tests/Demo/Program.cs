using System.Runtime.InteropServices;
using AgentJobSync.Demo;

// make demo: the real components on this machine, until Ctrl-C. make demo-check (--check): 100 jobs of 10 users,
// non-interactive; exit 0 only when every entry matches its AgentJob.
using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onHangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);

var check = args.Contains("--check");
await using var system = await DemoSystem.StartAsync(stop.Token);
try
{
    return check
        ? await new DemoCheck(system, jobs: 100, users: 10).RunAsync(stop.Token)
        : await new InteractiveDemo(system).RunAsync(stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine("demo: stopping ...");
    return check ? 1 : 0;
}

// Every child (servers, silos, watch host) is stopped by the disposals above, never left behind.
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
