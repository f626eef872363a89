using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwarmAgentBot.Integrations.Kubernetes;

// The few fields of the Kubernetes API objects the job runner reads (batch/v1 Job, v1 Pod, meta/v1
// Status and WatchEvent). Field names are the API's own (camelCase in JSON).

/// <summary>metadata of an object.</summary>
public sealed record KubeObjectMeta(
    string? Name = null,
    string? Namespace = null,
    string? Uid = null,
    string? ResourceVersion = null,
    DateTimeOffset? CreationTimestamp = null,
    Dictionary<string, string>? Labels = null,
    Dictionary<string, string>? Annotations = null);

/// <summary>metadata of a list.</summary>
public sealed record KubeListMeta(string? ResourceVersion = null, [property: JsonPropertyName("continue")] string? Continue = null);

/// <summary>A batch/v1 Job (metadata and status).</summary>
public sealed record KubeJob(KubeObjectMeta Metadata, KubeJobStatus? Status = null);

/// <summary>status of a Job.</summary>
public sealed record KubeJobStatus(
    int? Active = null,
    int? Succeeded = null,
    int? Failed = null,
    int? Ready = null,
    DateTimeOffset? StartTime = null,
    DateTimeOffset? CompletionTime = null,
    List<KubeCondition>? Conditions = null)
{
    /// <summary>The condition of a type when its status is "True".</summary>
    public KubeCondition? True(string type) => Conditions?.FirstOrDefault(c => c.Type == type && c.Status == "True");
}

/// <summary>A status condition (Job: Complete, Failed, FailureTarget, Suspended; Pod: PodScheduled, Ready, ...).</summary>
public sealed record KubeCondition(string Type, string Status, string? Reason = null, string? Message = null, DateTimeOffset? LastTransitionTime = null);

/// <summary>A v1 Pod (metadata and status).</summary>
public sealed record KubePod(KubeObjectMeta Metadata, KubePodStatus? Status = null);

/// <summary>status of a Pod.</summary>
public sealed record KubePodStatus(
    string? Phase = null,
    string? Reason = null,
    string? Message = null,
    DateTimeOffset? StartTime = null,
    List<KubeCondition>? Conditions = null,
    List<KubeContainerStatus>? ContainerStatuses = null);

/// <summary>State of one container.</summary>
public sealed record KubeContainerStatus(string Name, KubeContainerState? State = null, int RestartCount = 0);

/// <summary>Exactly one of waiting, running, terminated is set.</summary>
public sealed record KubeContainerState(KubeContainerWaiting? Waiting = null, KubeContainerRunning? Running = null, KubeContainerTerminated? Terminated = null);

/// <summary>A waiting container (ContainerCreating, ImagePullBackOff, ErrImagePull, CrashLoopBackOff, ...).</summary>
public sealed record KubeContainerWaiting(string? Reason = null, string? Message = null);

/// <summary>A running container.</summary>
public sealed record KubeContainerRunning(DateTimeOffset? StartedAt = null);

/// <summary>A terminated container.</summary>
public sealed record KubeContainerTerminated(int ExitCode, string? Reason = null, string? Message = null);

/// <summary>A list of objects.</summary>
public sealed record KubeList<T>(KubeListMeta? Metadata, List<T> Items);

/// <summary>meta/v1 Status: the body of an error response (and of a watch ERROR event).</summary>
public sealed record KubeStatus(string? Kind = null, string? Status = null, string? Message = null, string? Reason = null, int? Code = null, KubeStatusDetails? Details = null);

/// <summary>details of a Status.</summary>
public sealed record KubeStatusDetails(string? Name = null, string? Kind = null, List<KubeStatusCause>? Causes = null);

/// <summary>One cause of a Status (a field that failed validation).</summary>
public sealed record KubeStatusCause(string? Reason = null, string? Message = null, string? Field = null);

/// <summary>One event of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (object is then a Status).</summary>
public sealed record KubeWatchEvent(string Type, JsonElement Object);

/// <summary>JSON settings for the Kubernetes API.</summary>
public static class KubeJson
{
    /// <summary>camelCase names, nulls left out.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
