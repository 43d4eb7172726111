using System.Text.Json;
using AgentJobSync.WatchHost.Model;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

public sealed class TranslationTests
{
    private static readonly DateTimeOffset ObservedAt = new(2026, 2, 3, 4, 5, 6, TimeSpan.Zero);

    private const string Metadata = """
        "metadata": {"namespace": "ea-platform", "name": "job-1", "uid": "0b9e3c52-1111-4c3e-9f52-000000000001",
                     "resourceVersion": "42", "creationTimestamp": "2026-01-02T03:04:05Z"}
        """;

    [Fact]
    public void A_platform_shaped_job_maps_every_field()
    {
        var job = Parse($$"""
            { {{Metadata}},
              "spec": {"user": "6f1c2b9e-0000-4000-8000-000000000001", "agentID": "agent-7", "creator": "someone", "name": "Nightly"},
              "status": {"state": "executing", "nodes": [
                 {"alias": "fetch", "status": "done", "output": {"rows": [1, 2]}, "lastUpdated": "2026-01-02T03:04:06Z"},
                 {"alias": "summarize", "status": "running"}]} }
            """);
        var observation = ObservationTranslator.Translate(job, deleted: false, ObservedAt);

        Assert.Equal("0b9e3c52-1111-4c3e-9f52-000000000001", observation.Uid);
        Assert.Equal("ea-platform", observation.Namespace);
        Assert.Equal("job-1", observation.Name);
        Assert.Equal("6f1c2b9e-0000-4000-8000-000000000001", observation.Owner);
        Assert.Equal("executing", observation.RawState);
        Assert.Equal("agent-7", observation.AgentId);
        Assert.Equal("someone", observation.Creator);
        Assert.Equal("Nightly", observation.JobName);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), observation.CreatedAt);
        Assert.Equal("42", observation.ResourceVersion);
        Assert.Equal(ObservedAt, observation.ObservedAt);
        Assert.False(observation.Deleted);
        Assert.Equal(2, observation.Nodes.Length);
        Assert.Equal("""{"rows": [1, 2]}""", observation.Nodes[0].OutputJson);
        Assert.Equal("2026-01-02T03:04:06Z", observation.Nodes[0].LastUpdated);
        Assert.Null(observation.Nodes[1].OutputJson);
    }

    [Fact]
    public void A_deleted_or_deleting_job_is_observed_as_deleted()
    {
        var job = Parse($$"""{ {{Metadata}}, "spec": {} }""");
        Assert.True(ObservationTranslator.Translate(job, deleted: true, ObservedAt).Deleted);
        var deleting = Parse("""
            {"metadata": {"namespace": "n", "name": "j", "uid": "u", "deletionTimestamp": "2026-01-02T03:04:05Z"}}
            """);
        Assert.True(ObservationTranslator.Translate(deleting, deleted: false, ObservedAt).Deleted);
    }

    public static TheoryData<string, string?, string?> MalformedShapes() => new()
    {
        // body after metadata, expected owner, expected raw state
        { "", null, null },
        { """, "spec": null, "status": null""", null, null },
        { """, "spec": "text", "status": 5""", null, null },
        { """, "spec": [], "status": []""", null, null },
        { """, "spec": {"user": 42}""", "42", null },
        { """, "spec": {"user": {"id": "x"}}""", """{"id": "x"}""", null },
        { """, "spec": {"user": ["a"]}""", """["a"]""", null },
        { """, "spec": {"user": true}""", "true", null },
        { """, "spec": {"user": null}""", null, null },
        { """, "spec": {"user": ""}""", "", null },
        { """, "status": {"state": 3}""", null, "3" },
        { """, "status": {"state": {"phase": "x"}}""", null, """{"phase": "x"}""" },
        { """, "status": {"state": "WeIrD"}""", null, "WeIrD" },
        { """, "status": {"nodes": "not-an-array"}""", null, null },
        { """, "status": {"nodes": [1, "x", null, [], {"status": "no alias"}, {"alias": 7, "status": 8, "lastUpdated": 9, "output": null}]}""", null, null },
    };

    [Theory]
    [MemberData(nameof(MalformedShapes))]
    public void Every_malformed_shape_yields_an_observation_for_the_grain_to_report(string body, string? owner, string? state)
    {
        var job = Parse($$"""{ {{Metadata}} {{body}} }""");
        var observation = ObservationTranslator.Translate(job, deleted: false, ObservedAt);
        Assert.Equal("0b9e3c52-1111-4c3e-9f52-000000000001", observation.Uid);
        Assert.Equal(owner, observation.Owner);
        Assert.Equal(state, observation.RawState);
    }

    [Fact]
    public void Nodes_of_wrong_types_are_kept_as_text_or_skipped_without_an_alias()
    {
        var job = Parse($$"""{ {{Metadata}}, "status": {"nodes": [{"alias": 7, "status": 8, "lastUpdated": 9}, {"status": "no alias"}, "x"]} }""");
        var node = Assert.Single(ObservationTranslator.Translate(job, deleted: false, ObservedAt).Nodes);
        Assert.Equal("7", node.Alias);
        Assert.Equal("8", node.Status);
        Assert.Equal("9", node.LastUpdated);
    }

    [Fact]
    public void Unparsable_timestamps_become_null_not_an_exception()
    {
        var job = Parse("""{"metadata": {"namespace": "n", "name": "j", "uid": "u", "creationTimestamp": "yesterday", "deletionTimestamp": 5}}""");
        Assert.Null(job.CreationTimestamp);
        Assert.Null(job.DeletionTimestamp);
    }

    [Theory]
    [InlineData("""{"metadata": {"name": "j", "uid": "u"}}""")]
    [InlineData("""{"metadata": {"namespace": "n", "uid": "u"}}""")]
    [InlineData("""{"metadata": {"namespace": "n", "name": "j"}}""")]
    [InlineData("""{"metadata": "x"}""")]
    [InlineData("""[]""")]
    [InlineData("""null""")]
    public void Only_an_object_without_a_key_or_uid_is_refused_and_without_throwing(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.False(AgentJobParser.TryParse(document.RootElement, out _));
    }

    [Fact]
    public void Cached_jobs_share_repeated_namespace_state_and_agent_and_the_owner_as_creator()
    {
        // Each job is read from its own JSON, as from the API server: equal text, separate strings until shared.
        static AgentJob Job(string name, string uid) => Parse($$$"""
            {"metadata": {"namespace": "ea-platform", "name": "{{{name}}}", "uid": "{{{uid}}}"},
             "spec": {"user": "6f1c2b9e-0000-4000-8000-000000000001", "creator": "6f1c2b9e-0000-4000-8000-000000000001", "agentID": "agent-7"},
             "status": {"state": "executing"}}
            """);
        var first = Job("job-1", "uid-1");
        var second = Job("job-2", "uid-2");

        Assert.Same(first.Namespace, second.Namespace);
        Assert.Same(first.State, second.State);
        Assert.Same(first.AgentId, second.AgentId);
        Assert.Same(first.User, first.Creator);
        Assert.Equal(("ea-platform", "executing", "agent-7", "6f1c2b9e-0000-4000-8000-000000000001"), (second.Namespace, second.State, second.AgentId, second.Creator));
    }

    private static AgentJob Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(AgentJobParser.TryParse(document.RootElement.Clone(), out var job));
        return job;
    }
}
