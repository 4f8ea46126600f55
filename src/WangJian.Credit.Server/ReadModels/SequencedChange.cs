using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.ReadModels;

/// <summary>A change as it is stored in the feed, with its global sequence number.</summary>
public sealed record SequencedChange(long Sequence, CreditChange Change);
