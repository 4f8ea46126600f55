using System.Text.Json.Nodes;
using WangJian.Credit.Rules;

namespace WangJian.Credit.Domain.Tests;

[Trait("Category", "Unit")]
public class PolicyLoaderTests
{
    private const string Source = "broken-policy.json";

    private static readonly Lazy<string> DefaultText = new(() => File.ReadAllText(PolicyLoader.DefaultPath));

    // ---- the default policy against docs/policy.md -------------------------------------------------------

    /// <summary>docs/policy.md §4.1, row by row: code, family, 中文, MINOR/GENERAL/SERIOUS/ESPECIALLY_SERIOUS, listable.</summary>
    public static TheoryData<string, string, string, int, int, int, int, bool> OffenseTable => new()
    {
        { "FAKE_TRANSACTION", "FAKE_REVIEW", "虚构交易、刷单", 4, 8, 20, 40, false },
        { "FAKE_REVIEW", "FAKE_REVIEW", "编造、删除用户评价", 4, 8, 20, 40, false },
        { "FAKE_REVIEW_ORGANIZING", "FAKE_REVIEW", "组织虚假交易、空包刷单", 8, 15, 30, 60, true },
        { "FALSE_PROMOTION", "FALSE_ADVERTISING", "虚假或引人误解的宣传", 4, 8, 20, 40, false },
        { "FALSE_AD_HEALTH", "FALSE_ADVERTISING", "医疗、药品、保健食品虚假广告", 6, 12, 25, 50, true },
        { "FALSE_AD_FINANCE", "FALSE_ADVERTISING", "房地产、金融理财虚假广告", 5, 10, 22, 45, false },
        { "INFANT_FORMULA_PROMOTION", "FALSE_ADVERTISING", "违规推销婴幼儿配方食品", 5, 10, 22, 45, false },
        { "PRICE_MARKING", "PRICING", "不明码标价", 2, 4, 10, 20, false },
        { "PRICE_FRAUD", "PRICING", "价格欺诈、虚构原价", 4, 8, 20, 40, false },
        { "PRICE_GOUGING", "PRICING", "哄抬价格", 5, 10, 25, 50, true },
        { "DISCLOSURE_FAILURE", "QUALIFICATION", "未亮照亮证", 1, 2, 5, 10, false },
        { "PLATFORM_DUTY_FAILURE", "QUALIFICATION", "平台未核验登记", 3, 6, 15, 30, false },
        { "COUNTERFEIT_GOODS", "PRODUCT_SAFETY", "假冒伪劣", 6, 12, 25, 50, true },
        { "UNSAFE_FOOD", "PRODUCT_SAFETY", "不安全食品", 8, 15, 30, 60, true },
        { "FAKE_DRUG", "PRODUCT_SAFETY", "假药劣药", 10, 20, 40, 80, true },
        { "ILLEGAL_PROMOTION", "COMPETITION", "违规促销", 2, 4, 10, 20, false },
        { "TIE_IN_SALE", "COMPETITION", "违法搭售", 2, 5, 12, 24, false },
        { "PLATFORM_EXCLUSIVITY", "COMPETITION", "限制参与其他平台（二选一）", 5, 10, 25, 50, false },
        { "UNFAIR_TERMS", "CONSUMER_RIGHTS", "不公平格式条款", 2, 4, 10, 20, false },
        { "RETURN_REFUSAL", "CONSUMER_RIGHTS", "不履行七日无理由退货", 2, 4, 10, 20, false },
        { "PREPAID_CARD", "CONSUMER_RIGHTS", "单用途预付卡违规", 3, 6, 15, 30, false },
        { "PERSONAL_INFO_ABUSE", "CONSUMER_RIGHTS", "违法收集使用个人信息", 4, 8, 20, 40, false },
        { "WILDLIFE_TRADE", "PROHIBITED_TRADE", "野生动物非法交易服务", 6, 12, 25, 50, true },
        { "PROHIBITED_GOODS", "PROHIBITED_TRADE", "销售禁止交易商品", 5, 10, 22, 45, false },
    };

    /// <summary>docs/policy.md §5, one row per (agency, matter): the effect of the agency's measure on it.</summary>
    public static TheoryData<string, string, string> MeasureTable => new()
    {
        { "SAMR", "SPOT_CHECK", "ENHANCED_REVIEW" },
        { "SAMR", "COMMITMENT_APPROVAL", "PROHIBIT" },
        { "SAMR", "HONORS", "PROHIBIT" },
        { "NDRC", "BOND_ISSUANCE", "ENHANCED_REVIEW" },
        { "NDRC", "GOV_FUNDING", "PROHIBIT" },
        { "MIIT", "TELECOM_LICENSE", "ENHANCED_REVIEW" },
        { "MPS", "CASE_REFERRAL", "ENHANCED_REVIEW" },
        { "MOFCOM", "GOV_FUNDING", "PROHIBIT" },
        { "MOFCOM", "HONORS", "PROHIBIT" },
        { "GACC", "AEO_CERTIFICATION", "PROHIBIT" },
        { "GACC", "CUSTOMS_INSPECTION", "ENHANCED_REVIEW" },
        { "CAC", "INTERNET_NEWS_LICENSE", "ENHANCED_REVIEW" },
        { "SPB", "EXPRESS_LICENSE", "ENHANCED_REVIEW" },
        { "SPB", "AGREEMENT_CUSTOMER", "ENHANCED_REVIEW" },
    };

    [Fact]
    public void Load_DefaultPolicy_HasExactlyTheOffensesOfTheTable()
    {
        var policy = PolicyLoader.Load();

        var expected = OffenseTable.Select(row => (string)row[0]).Order(StringComparer.Ordinal);
        Assert.Equal(24, policy.Offenses.Count);
        Assert.Equal(expected, policy.Offenses.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OffenseTable))]
    public void Load_DefaultPolicy_OffenseMatchesDomainTable(
        string code, string family, string nameZh, int minor, int general, int serious, int especiallySerious, bool listable)
    {
        var offense = PolicyLoader.Load().Offense(code);

        Assert.Equal(code, offense.Code);
        Assert.Equal(family, offense.Family);
        Assert.Equal(nameZh, offense.NameZh);
        Assert.False(string.IsNullOrWhiteSpace(offense.LegalBasis));
        Assert.Equal([minor, general, serious, especiallySerious], offense.Points.Select(p => (int)p));
        Assert.All(offense.Points, p => Assert.Equal(decimal.Truncate(p), p));
        Assert.Equal(minor, offense.PointsFor(Severity.Minor));
        Assert.Equal(general, offense.PointsFor(Severity.General));
        Assert.Equal(serious, offense.PointsFor(Severity.Serious));
        Assert.Equal(especiallySerious, offense.PointsFor(Severity.EspeciallySerious));
        Assert.Equal(listable, offense.Listable);
    }

    [Fact]
    public void Load_DefaultPolicy_HasTheTermsOfSection4()
    {
        var policy = PolicyLoader.Load();

        Assert.Equal("2019.1", policy.Version);
        Assert.Equal(10m, policy.HeavierPenaltyPoints);
        Assert.Equal(new AgePolicy(3, 12, 36, 0.5m), policy.Age);
        Assert.Equal(24, policy.Repeat.WindowMonths);
        Assert.Equal([1.0m, 1.5m, 2.0m], policy.Repeat.Multipliers);
        Assert.Equal(2.0m, policy.Repeat.MultiplierFor(7));
        Assert.Equal("FALSE_AD_HEALTH", policy.Health.TriggerCode);
        Assert.Equal(["FALSE_AD_HEALTH", "INFANT_FORMULA_PROMOTION"], policy.Health.AggravatedCodes.Order(StringComparer.Ordinal));
        Assert.Equal(1.2m, policy.Health.Multiplier);
        Assert.Equal(new GradeBands(90, 70, 40), policy.Grades);
        Assert.Equal(new ListingPolicy(36, "FAKE_REVIEW", 3, 24, Severity.General, 12), policy.Listing);
        Assert.Equal(6, policy.Repair.DefaultMonths);
        Assert.Equal(12, policy.Repair.MonthsFor("PRODUCT_SAFETY"));
        Assert.Equal(6, policy.Repair.MonthsFor("FAKE_REVIEW"));
        Assert.Equal(["EXCLUDE_FROM_CAMPAIGNS", "RESTRICT_NEW_ACCOUNTS", "RESTRICT_NEW_LISTINGS"], policy.PlatformMeasures.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(MeasureTable))]
    public void Load_DefaultPolicy_AgencyMeasureMatchesDomainTable(string agency, string matter, string effect)
    {
        var expected = effect == "PROHIBIT" ? MeasureEffect.Prohibit : MeasureEffect.EnhancedReview;

        var effects = PolicyLoader.Load().Measures
            .Where(m => m.Agency == agency)
            .SelectMany(m => m.Matters)
            .Where(me => me.Matter == matter)
            .Select(me => me.Effect);

        Assert.Equal(expected, Assert.Single(effects));
    }

    [Fact]
    public void Load_DefaultPolicy_EveryAgencyProhibitsGovernmentProcurement()
    {
        var policy = PolicyLoader.Load();

        Assert.Equal(8, Agencies.All.Count);
        Assert.Equal(Agencies.All.Order(StringComparer.Ordinal), policy.Measures.Select(m => m.Agency).Distinct().Order(StringComparer.Ordinal));
        foreach (var agency in Agencies.All)
        {
            var procurement = policy.Measures
                .Where(m => m.Agency == agency)
                .SelectMany(m => m.Matters)
                .Where(me => me.Matter == "GOV_PROCUREMENT");
            Assert.Equal(MeasureEffect.Prohibit, Assert.Single(procurement).Effect);
        }
    }

    [Fact]
    public void Load_DefaultPolicy_EveryMeasureHasLegalBasisAndNoOtherMatters()
    {
        var policy = PolicyLoader.Load();

        Assert.All(policy.Measures, m =>
        {
            Assert.False(string.IsNullOrWhiteSpace(m.LegalBasis));
            Assert.False(string.IsNullOrWhiteSpace(m.Description));
            Assert.NotEmpty(m.Matters);
        });

        // Every (agency, matter) of the policy is in §5: the table rows plus GOV_PROCUREMENT for all.
        var expected = MeasureTable.Select(r => $"{r[0]}/{r[1]}")
            .Concat(Agencies.All.Select(a => $"{a}/GOV_PROCUREMENT"))
            .Order(StringComparer.Ordinal);
        var actual = policy.Measures.SelectMany(m => m.Matters.Select(me => $"{m.Agency}/{me.Matter}")).Order(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Parse_DefaultTextRoundTrippedThroughJsonNode_LoadsTheSamePolicy()
    {
        // The broken variants below are built this way; make sure the unbroken one still loads.
        var policy = PolicyLoader.Parse(Mutate(_ => { }), Source);

        Assert.Equal(24, policy.Offenses.Count);
        Assert.Equal(PolicyLoader.Load().Measures.Count, policy.Measures.Count);
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "no-such-dir", "policy.json");

        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));
        Assert.Equal($"{path}: policy file not found", e.Message);
    }

    // ---- broken variants ----------------------------------------------------------------------------

    private static readonly Dictionary<string, (Action<JsonObject> Break, string[] Expected)> Breaks = new()
    {
        ["missing version"] = (p => p.Remove("version"), ["version: is required"]),
        ["blank version"] = (p => p["version"] = "  ", ["version: is required"]),
        ["points with 3 values"] = (
            p => Offense(p, 2)["points"] = new JsonArray(8, 15, 30),
            ["offenses[2] (FAKE_REVIEW_ORGANIZING): points must have 4 values", "got 3"]),
        ["points decreasing"] = (
            p => Offense(p, 7)["points"] = new JsonArray(2, 4, 20, 10),
            ["offenses[7] (PRICE_MARKING): points must not decrease with severity"]),
        ["points zero"] = (
            p => Offense(p, 10)["points"] = new JsonArray(0, 2, 5, 10),
            ["offenses[10] (DISCLOSURE_FAILURE): points must each be in (0, 100]"]),
        ["missing listable"] = (
            p => Offense(p, 4).Remove("listable"),
            ["offenses[4] (FALSE_AD_HEALTH): listable (true or false) is required"]),
        ["lower-case code"] = (
            p => Offense(p, 1)["code"] = "fake_review",
            ["offenses[1] (fake_review): code must be UPPER_SNAKE_CASE"]),
        ["missing code"] = (
            p => Offense(p, 3).Remove("code"),
            ["offenses[3] (no code): code must be UPPER_SNAKE_CASE"]),
        ["missing legal basis"] = (
            p => Offense(p, 14).Remove("legalBasis"),
            ["offenses[14] (FAKE_DRUG): legalBasis is required"]),
        ["null offense"] = (
            p => ((JsonArray)p["offenses"]!)[3] = null,
            ["offenses[3]: must be an offense object, not null"]),
        ["no offenses"] = (
            p => p["offenses"] = new JsonArray(),
            ["offenses: at least one offense is required"]),
        ["duplicate offense code"] = (
            p => Offense(p, 5)["code"] = "FAKE_REVIEW",
            ["offenses[5] (FAKE_REVIEW): duplicate code"]),
        ["unknown family in repair.familyMonths"] = (
            p => p["repair"]!["familyMonths"]!["FOOD_SAFETY"] = 12,
            ["repair.familyMonths.FOOD_SAFETY: is not a family of any offense"]),
        ["negative repair months"] = (
            p => p["repair"]!["familyMonths"]!["PRODUCT_SAFETY"] = -1,
            ["repair.familyMonths.PRODUCT_SAFETY: must be ≥ 0"]),
        ["missing repair.defaultMonths"] = (
            p => ((JsonObject)p["repair"]!).Remove("defaultMonths"),
            ["repair.defaultMonths: is required"]),
        ["health.triggerCode not an offense"] = (
            p => p["health"]!["triggerCode"] = "FALSE_AD_MEDICAL",
            ["health.triggerCode: 'FALSE_AD_MEDICAL' is not an offense code"]),
        ["health.aggravatedCodes not an offense"] = (
            p => ((JsonArray)p["health"]!["aggravatedCodes"]!).Add("BABY_FOOD"),
            ["health.aggravatedCodes: 'BABY_FOOD' is not an offense code"]),
        ["health.aggravatedCodes null entry"] = (
            p => ((JsonArray)p["health"]!["aggravatedCodes"]!).Add(null),
            ["health.aggravatedCodes: '' is not an offense code"]),
        ["missing heavierPenaltyPoints"] = (
            p => p.Remove("heavierPenaltyPoints"),
            ["heavierPenaltyPoints: is required"]),
        ["heavierPenaltyPoints too high"] = (
            p => p["heavierPenaltyPoints"] = 101,
            ["heavierPenaltyPoints: must be in [0, 100]"]),
        ["missing age"] = (p => p.Remove("age"), ["age: is required"]),
        ["half weight 1"] = (p => p["age"]!["halfWeight"] = 1, ["age.halfWeight: must be in (0, 1)"]),
        ["repeat multiplier below 1"] = (
            p => p["repeat"]!["multipliers"] = new JsonArray(1, 0.5),
            ["repeat.multipliers: must be a non-empty list of values ≥ 1"]),
        ["grades out of order"] = (
            p => p["grades"]!["b"] = 95,
            ["grades: must satisfy 100 ≥ A > B > C > 0"]),
        ["unknown listing family"] = (
            p => p["listing"]!["repeatFamily"] = "FAKE_REVIEWS",
            ["listing.repeatFamily: 'FAKE_REVIEWS' is not a family of any offense"]),
        ["bad listing severity"] = (
            p => p["listing"]!["repeatMinSeverity"] = "GRAVE",
            ["listing.repeatMinSeverity: 'GRAVE' is not one of MINOR, GENERAL, SERIOUS, ESPECIALLY_SERIOUS"]),
        ["missing listing.repairAfterMonths"] = (
            p => ((JsonObject)p["listing"]!).Remove("repairAfterMonths"),
            ["listing.repairAfterMonths: is required"]),
        ["bad effect"] = (
            p => Measure(p, 1)["matters"]![0]!["effect"] = "FORBID",
            ["measures[1] (NO_COMMITMENT_APPROVAL): effect 'FORBID' must be PROHIBIT or ENHANCED_REVIEW"]),
        ["lower-case effect"] = (
            p => Measure(p, 8)["matters"]![1]!["effect"] = "enhanced_review",
            ["measures[8] (AEO_AND_INSPECTION): effect 'enhanced_review' must be PROHIBIT or ENHANCED_REVIEW"]),
        ["unknown agency"] = (
            p => Measure(p, 3)["agency"] = "CSRC",
            ["measures[3] (BOND_ISSUANCE_REVIEW): agency 'CSRC' is not one of SAMR, NDRC, MIIT, MPS, MOFCOM, GACC, CAC, SPB"]),
        ["lower-case agency"] = (
            p => Measure(p, 0)["agency"] = "samr",
            ["measures[0] (KEY_SUPERVISION): agency 'samr' is not one of"]),
        ["measure without matters"] = (
            p => Measure(p, 6)["matters"] = new JsonArray(),
            ["measures[6] (FAKE_REVIEW_RING_REFERRAL): matters must list at least one matter"]),
        ["null matter"] = (
            p => ((JsonArray)Measure(p, 6)["matters"]!).Add(null),
            ["measures[6] (FAKE_REVIEW_RING_REFERRAL): matters must not contain null"]),
        ["null measure"] = (
            p => ((JsonArray)p["measures"]!)[2] = null,
            ["measures[2]: must be a measure object, not null"]),
        ["duplicate measure"] = (
            p => Measure(p, 12)["code"] = "BOND_ISSUANCE_REVIEW",
            ["measures[12] (BOND_ISSUANCE_REVIEW): duplicate code for agency NDRC"]),
    };

    public static TheoryData<string> BreakNames() => new(Breaks.Keys);

    [Theory]
    [MemberData(nameof(BreakNames))]
    public void Parse_BrokenVariant_ThrowsNamingTheEntry(string name)
    {
        var (breakIt, expected) = Breaks[name];
        var json = Mutate(breakIt);

        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(json, Source));

        Assert.StartsWith($"{Source}: invalid policy: ", e.Message, StringComparison.Ordinal);
        foreach (var part in expected)
        {
            Assert.Contains(part, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_SeveralBrokenEntries_ReportsEveryOne()
    {
        var json = Mutate(p =>
        {
            p.Remove("version");
            Offense(p, 2)["points"] = new JsonArray(8, 15, 30);
            Measure(p, 3)["agency"] = "CSRC";
        });

        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(json, Source));

        Assert.Contains("version: is required", e.Message, StringComparison.Ordinal);
        Assert.Contains("offenses[2] (FAKE_REVIEW_ORGANIZING): points must have 4 values", e.Message, StringComparison.Ordinal);
        Assert.Contains("measures[3] (BOND_ISSUANCE_REVIEW): agency 'CSRC'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateAppendedOffense_NamesTheLaterEntry()
    {
        var json = Mutate(p =>
        {
            var offenses = (JsonArray)p["offenses"]!;
            offenses.Add(offenses[0]!.DeepClone());
        });

        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(json, Source));

        Assert.Contains("offenses[24] (FAKE_TRANSACTION): duplicate code", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("offenses[0]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedJson_ThrowsNamingLineAndPath()
    {
        // Drop the comma after "version": "2019.1" (line 3); the parser stops at line 4.
        var json = DefaultText.Value.Replace("\"version\": \"2019.1\",", "\"version\": \"2019.1\"", StringComparison.Ordinal);
        Assert.NotEqual(DefaultText.Value, json);

        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(json, Source));

        Assert.StartsWith($"{Source}: not valid policy JSON at $", e.Message, StringComparison.Ordinal);
        Assert.Contains("(line 4)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"version\": }")]
    public void Parse_NotAPolicyObject_ThrowsPolicyException(string json)
    {
        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(json, Source));

        Assert.StartsWith($"{Source}: not valid policy JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_JsonNull_SaysFileIsEmpty()
    {
        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse("null", Source));

        Assert.Equal($"{Source}: the file is empty", e.Message);
    }

    [Fact]
    public void Parse_WrongValueType_ThrowsNamingThePath()
    {
        var json = Mutate(p => Offense(p, 2)["points"] = "8/15/30/60");

        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(json, Source));

        Assert.StartsWith($"{Source}: not valid policy JSON at $.offenses[2].points", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "weights")]
    [InlineData("offenses[0]", "weight")]
    [InlineData("measures[4]", "severity")]
    [InlineData("listing", "durationDays")]
    public void Parse_UnknownProperty_ThrowsNamingTheProperty(string where, string property)
    {
        var json = Mutate(p =>
        {
            JsonObject target;
            if (where.Length == 0)
            {
                target = p;
            }
            else if (where.EndsWith(']'))
            {
                var parts = where.Split('[', ']');
                target = (JsonObject)p[parts[0]]![int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)]!;
            }
            else
            {
                target = (JsonObject)p[where]!;
            }

            target[property] = 3;
        });

        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(json, Source));

        Assert.StartsWith($"{Source}: not valid policy JSON at $", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{property}'", e.Message, StringComparison.Ordinal);
        if (where.Length > 0)
        {
            Assert.Contains($"$.{where}", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_CommentsAndTrailingCommas_AreAccepted()
    {
        var json = DefaultText.Value
            .Replace("\"version\": \"2019.1\",", "// the version\n  \"version\": \"2019.1\",", StringComparison.Ordinal)
            .Replace("\"EXCLUDE_FROM_CAMPAIGNS\"", "\"EXCLUDE_FROM_CAMPAIGNS\",", StringComparison.Ordinal);

        Assert.Equal("2019.1", PolicyLoader.Parse(json, Source).Version);
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static string Mutate(Action<JsonObject> change)
    {
        var root = JsonNode.Parse(DefaultText.Value)!.AsObject();
        change(root);
        return root.ToJsonString();
    }

    private static JsonObject Offense(JsonObject policy, int index) => (JsonObject)policy["offenses"]![index]!;

    private static JsonObject Measure(JsonObject policy, int index) => (JsonObject)policy["measures"]![index]!;
}
