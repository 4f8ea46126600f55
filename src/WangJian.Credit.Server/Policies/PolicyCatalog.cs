using Grpc.Core;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Policies;

/// <summary>A published version as the API and the console show it.</summary>
public sealed record PolicyView(
    string Version,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset? EffectiveUntil,
    string PublishedBy,
    DateTimeOffset PublishedAt,
    string? ApprovalId,
    bool InForce,
    RolloutProgress Rollout,
    string Document);

/// <summary>The verdict on a document: its policy when valid, else every error named by entry.</summary>
public sealed record PolicyValidation(CreditPolicy? Policy, string? Version, IReadOnlyList<string> Errors, bool VersionPublished)
{
    public bool Valid => Policy is not null && Errors.Count == 0;
}

/// <summary>A publication: published now, or waiting for a second admin.</summary>
public sealed record PublishResult(PolicyView? Published, StoredApproval? Pending);

/// <summary>
/// The policy versions, over the store: listing, validating and publishing. The gRPC PolicyService and
/// the web console call this class; the timeline grains score with (<see cref="PolicyVersions"/>) is
/// replaced here when a version is published, and reloaded from the store when another silo publishes.
/// </summary>
public sealed class PolicyCatalog(
    PolicyStore store,
    PolicyVersions versions,
    TimeProvider time,
    FourEyes fourEyes,
    ILogger<PolicyCatalog> logger)
{
    /// <summary>Largest document accepted (the shipped one is about 20 KB).</summary>
    public const int MaxDocumentLength = 1 << 20;

    /// <summary>
    /// The timeline in the store; a fresh store gets the shipped file as its initial version, in force
    /// from 2000-01-01. A stored version that no longer parses stops the server (it scored statuses once).
    /// </summary>
    public static async Task<PolicyTimeline> LoadAsync(PolicyStore store, CreditPolicy shipped, string shippedDocument, ILogger log)
    {
        var stored = await store.AllAsync();
        if (stored.Count == 0)
        {
            await store.AddAsync(new StoredPolicy(shipped.Version, shippedDocument, PolicyTimeline.InitialEffectiveFrom, "system", PolicyTimeline.InitialEffectiveFrom));
            stored = await store.AllAsync();
        }

        var timeline = Build(stored);
        if (timeline.Find(shipped.Version) is null)
        {
            log.LogWarning(
                "The policy file's version {Version} is not published in the store (versions: {Versions}); the store's versions score. Publish it with `wjcredit policy publish`",
                shipped.Version, string.Join(", ", timeline.Versions.Select(v => v.Version)));
        }

        return timeline;
    }

    public static PolicyTimeline Build(IEnumerable<StoredPolicy> stored) => new(stored.Select(s => new PolicyVersion(
        PolicyLoader.Parse(s.Document, $"stored policy {s.Version}"), s.Document, s.EffectiveFrom, s.PublishedBy, s.PublishedAt, s.ApprovalId)));

    public PolicyTimeline Timeline => versions.Timeline;

    /// <summary>Every version, oldest effective first, with its rollout.</summary>
    public async Task<IReadOnlyList<PolicyView>> ListAsync()
    {
        var timeline = versions.Timeline;
        var views = new List<PolicyView>(timeline.Versions.Count);
        foreach (var v in timeline.Versions)
        {
            views.Add(await ViewAsync(timeline, v));
        }

        return views;
    }

    public async Task<PolicyView?> GetAsync(string version)
    {
        var timeline = versions.Timeline;
        return timeline.Find(version) is { } v ? await ViewAsync(timeline, v) : null;
    }

    /// <summary>
    /// The loader's checks, then what a new version must keep: every offense code of the published versions
    /// (recorded violations keep their codes for ever) and every matter (stored checks name them).
    /// </summary>
    public PolicyValidation Validate(string document)
    {
        if (string.IsNullOrWhiteSpace(document))
        {
            return new PolicyValidation(null, null, ["document: is required"], false);
        }

        if (document.Length > MaxDocumentLength)
        {
            return new PolicyValidation(null, null, [$"document: at most {MaxDocumentLength} characters, got {document.Length}"], false);
        }

        CreditPolicy policy;
        try
        {
            policy = PolicyLoader.Parse(document, "document");
        }
        catch (PolicyException e)
        {
            return new PolicyValidation(null, null, e.Errors, false);
        }

        var errors = new List<string>();
        var timeline = versions.Timeline;
        foreach (var code in timeline.Versions.SelectMany(v => v.Policy.Offenses.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            if (!policy.Offenses.ContainsKey(code))
            {
                errors.Add($"offenses: {code} is missing; a version may add offenses but not remove them (recorded violations keep their offense codes)");
            }
        }

        var matters = PreApprovalCheck.KnownMatters(policy);
        foreach (var matter in timeline.Versions.SelectMany(v => PreApprovalCheck.KnownMatters(v.Policy)).Distinct().Order(StringComparer.Ordinal))
        {
            if (!matters.Contains(matter))
            {
                errors.Add($"measures: matter {matter} is no longer named by any measure; agencies check it (stored checks name it)");
            }
        }

        return new PolicyValidation(errors.Count == 0 ? policy : null, policy.Version, errors, timeline.Find(policy.Version) is not null);
    }

    /// <summary>
    /// Publishes <paramref name="document"/> in force from <paramref name="effectiveFrom"/>, or — when
    /// Approvals:SecondPersonFor has PUBLISH_POLICY — stores a pending approval a second admin decides.
    /// Refusals are RpcExceptions: INVALID_ARGUMENT (document, effective_from), ALREADY_EXISTS.
    /// </summary>
    public async Task<PublishResult> PublishAsync(string document, DateTimeOffset? effectiveFrom, string by)
    {
        var errors = new List<FieldViolation>();
        var validation = Validate(document);
        errors.AddRange(validation.Errors.Select(e => new FieldViolation("document", e)));
        var now = time.GetUtcNow();
        if (effectiveFrom is not { } from)
        {
            errors.Add(new("effective_from", "effective_from is required"));
        }
        else if (from < now)
        {
            errors.Add(new("effective_from", $"effective_from {from:O} is in the past (server time {now:O}); a version never applies retroactively"));
        }

        RequestFields.ThrowIfAny(errors);
        var policy = validation.Policy!;
        if (validation.VersionPublished)
        {
            throw AlreadyPublished(policy.Version);
        }

        if (fourEyes.Requires(ProposedChange.PublishPolicy))
        {
            var approval = await fourEyes.ProposePolicyAsync(policy.Version, document, effectiveFrom!.Value, by);
            return new PublishResult(null, approval);
        }

        return new PublishResult(await CommitAsync(new StoredPolicy(policy.Version, document, effectiveFrom!.Value, by, now)), null);
    }

    /// <summary>
    /// Stores the version and puts it into this silo's timeline (other silos reload on the store's
    /// notification). Used by a one-step publication and by an approved one.
    /// </summary>
    public async Task<PolicyView> CommitAsync(StoredPolicy policy)
    {
        var now = time.GetUtcNow();
        if (policy.EffectiveFrom < now)
        {
            throw GrpcErrors.FailedPrecondition($"policy {policy.Version} was to be in force from {policy.EffectiveFrom:O}, which has passed (server time {now:O}); a version never applies retroactively: publish it again with a later effective_from");
        }

        var parsed = PolicyLoader.Parse(policy.Document, $"policy {policy.Version}");
        await store.SaveRolloutAsync(policy.Version, RolloutProgress.Scheduled);
        if (!await store.AddAsync(policy))
        {
            // Applied before a crash under the same approval: done, once.
            await RefreshAsync();
            if (policy.ApprovalId is not null && versions.Timeline.Find(policy.Version) is { } existing && existing.ApprovalId == policy.ApprovalId)
            {
                return await ViewAsync(versions.Timeline, existing);
            }

            throw AlreadyPublished(policy.Version);
        }

        // The store's notification of this very publication may already have refreshed the timeline
        // (between AddAsync and here): then it holds the version, and adding it again would be a duplicate.
        var current = versions.Timeline;
        var timeline = current.Find(policy.Version) is not null
            ? current
            : current.With(new PolicyVersion(parsed, policy.Document, policy.EffectiveFrom, policy.PublishedBy, policy.PublishedAt, policy.ApprovalId));
        versions.Replace(timeline);
        logger.LogInformation("Policy {Version} published by {By}, in force from {EffectiveFrom:O}", policy.Version, policy.PublishedBy, policy.EffectiveFrom);
        return await ViewAsync(timeline, timeline.Find(policy.Version)!);
    }

    /// <summary>What changed from version <paramref name="from"/> to <paramref name="to"/>, entry by entry; null when either is unknown.</summary>
    public IReadOnlyList<PolicyChange>? Diff(string from, string to)
    {
        var timeline = versions.Timeline;
        return timeline.Find(from) is { } a && timeline.Find(to) is { } b ? PolicyDiff.Compare(a.Document, b.Document) : null;
    }

    /// <summary>Reloads the versions from the store (another silo published one) when there are new ones.</summary>
    public async Task RefreshAsync()
    {
        var stored = await store.AllAsync();
        var timeline = versions.Timeline;
        if (stored.Count != timeline.Versions.Count || stored.Any(s => timeline.Find(s.Version) is null))
        {
            versions.Replace(Build(stored));
        }
    }

    private async Task<PolicyView> ViewAsync(PolicyTimeline timeline, PolicyVersion v)
    {
        var now = time.GetUtcNow();
        var rollout = await store.RolloutAsync(v.Version)
            ?? (ReferenceEquals(v, timeline.Versions[0]) ? new RolloutProgress(RolloutStage.NotNeeded, 0, 0, 0, null, null, null) : RolloutProgress.Scheduled);
        return new PolicyView(
            v.Version, v.EffectiveFrom, timeline.InForceUntil(v), v.PublishedBy, v.PublishedAt, v.ApprovalId,
            ReferenceEquals(timeline.At(now), v), rollout, v.Document);
    }

    private static RpcException AlreadyPublished(string version) =>
        GrpcErrors.FromCommand(new CommandError(CommandErrorKind.AlreadyExists, $"policy version {version} is already published; published versions are never changed: give the document a new version string"));
}
