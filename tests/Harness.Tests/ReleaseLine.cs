namespace AgentJobSync.Harness.Tests;

/// <summary>One line of scripts/test-releases.sha256: checksum, official URL, the archive members or the plain binary's name.</summary>
public sealed record ReleaseLine(string Sha256, string Url, IReadOnlyList<string> What)
{
    public bool IsArchive => Url.EndsWith(".tar.gz", StringComparison.Ordinal);

    /// <summary>The binaries this line installs.</summary>
    public IEnumerable<string> Names => IsArchive ? What.Select(m => Path.GetFileName(m)) : [What[0]];

    public static List<ReleaseLine> Parse(IEnumerable<string> lines) =>
    [
        .. lines
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => new ReleaseLine(p[0], p[1], p[2..])),
    ];

    public override string ToString() => $"{Sha256} {Url} {string.Join(' ', What)}";
}
