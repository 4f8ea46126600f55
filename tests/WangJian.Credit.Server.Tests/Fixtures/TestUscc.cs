using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>Real public codes (tests/WangJian.Credit.Domain.Tests/TestData/uscc.tsv) and valid synthetic ones for bulk tests.</summary>
public static class TestUscc
{
    public const string AlibabaCloud = "91330106673959654P";
    public const string JdTech = "91110302562134916R";
    public const string Tencent = "91440300708461136T";
    public const string Alibaba = "91330100799655058B";
    public const string Huawei = "914403001922038216";

    private static int counter = Random.Shared.Next(1_000_000);

    /// <summary>A valid, fresh code: distinct per call within a run, random across runs.</summary>
    public static string Fresh()
    {
        var n = Interlocked.Increment(ref counter);
        var body = $"91330100{Random.Shared.Next(100):D2}{n:D7}";
        return body + Uscc.CheckCharacter(body);
    }
}
