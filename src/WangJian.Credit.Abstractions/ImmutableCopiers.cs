using Orleans.Serialization.Cloning;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Abstractions;

/// <summary>
/// An assessment is an immutable record (init-only, read-only lists nobody casts back), so a grain call
/// on the same silo hands over the reference. Without this Orleans deep-copies it with the JSON codec,
/// a serialize-and-parse round trip per call: about a third of the CPU of a GetCreditStatus and most of
/// a BatchGetCreditStatus (benchmarks/README.md). Calls between silos still serialize it as JSON.
/// </summary>
[RegisterCopier]
public sealed class AssessmentCopier : IDeepCopier<Assessment>
{
    public Assessment? DeepCopy(Assessment? input, CopyContext context) => input;
}

/// <summary>
/// The same for the draft a RecordViolation or import row hands to its operator grain: built per request
/// by the API and never changed after (the grain derives a new Violation from it). Its JSON round trip was
/// ~3 % of the CPU of a write.
/// </summary>
[RegisterCopier]
public sealed class ViolationDraftCopier : IDeepCopier<ViolationDraft>
{
    public ViolationDraft? DeepCopy(ViolationDraft? input, CopyContext context) => input;
}
