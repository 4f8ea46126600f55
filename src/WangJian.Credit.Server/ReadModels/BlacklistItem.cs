namespace WangJian.Credit.Server.ReadModels;

/// <summary>One blacklist index entry.</summary>
public sealed record BlacklistItem(string OperatorId, DateTimeOffset ListedAt, DateTimeOffset? ExpiresAt, IReadOnlyList<string> Rules);
