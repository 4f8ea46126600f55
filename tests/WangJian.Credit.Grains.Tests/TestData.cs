using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

public static class TestData
{
    private static int counter = Random.Shared.Next(1_000_000);

    public static string FreshUscc()
    {
        var n = Interlocked.Increment(ref counter);
        var body = $"91440300{Random.Shared.Next(100):D2}{n:D7}";
        return body + Uscc.CheckCharacter(body);
    }

    public static ViolationDraft Draft(
        string op,
        DateTimeOffset decidedAt,
        string offense = "FAKE_REVIEW_ORGANIZING",
        Severity severity = Severity.General,
        string? decision = null,
        long fine = 100_000,
        bool heavier = false) => new(
        op,
        offense,
        severity,
        [PenaltyKind.Fine],
        fine,
        0,
        heavier,
        decision ?? $"深市监罚〔2026〕{Guid.NewGuid():N}号",
        "440300-SAMR",
        "深圳市市场监督管理局",
        decidedAt,
        "test");
}
