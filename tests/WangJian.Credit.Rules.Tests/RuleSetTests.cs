using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NRules.Fluent;
using NRules.RuleModel;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Tests;

[Trait("Category", "Unit")]
public partial class RuleSetTests
{
    private static readonly IReadOnlyList<IRuleDefinition> Definitions = LoadDefinitions();

    [Fact]
    public void Rules_EveryRule_HasNameDescriptionAndTag()
    {
        Assert.NotEmpty(Definitions);
        Assert.All(Definitions, r =>
        {
            Assert.Matches("^[A-Z][A-Z0-9_]+$", r.Name);
            Assert.False(string.IsNullOrWhiteSpace(r.Description), r.Name);
            Assert.NotEmpty(r.Tags);
        });
    }

    [Fact]
    public void Rules_Names_Unique()
    {
        Assert.Equal(Definitions.Count, Definitions.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("FAKE_REVIEW", "FAKE_REVIEW_REPEAT")]
    [InlineData("FALSE_ADVERTISING", "FALSE_ADVERTISING_REPEAT")]
    [InlineData("PRICING", "PRICING_REPEAT")]
    [InlineData("GENERIC", "GENERIC_REPEAT")]
    public void Rules_RepeatFamilies_HaveTaggedRule(string tag, string name)
    {
        var rule = Assert.Single(Definitions, r => r.Name == name);
        Assert.Contains(tag, rule.Tags);
        Assert.Contains("REPEAT", rule.Tags);
    }

    [Fact]
    public void Rules_DeductionComponents_FireBeforeDeductionsBeforeListingBeforeScore()
    {
        int P(string name) => Definitions.Single(r => r.Name == name).Priority;

        Assert.True(P("HEAVIER_PENALTY") > P("FULL_WEIGHT_DEDUCTION"));
        Assert.True(P("GENERIC_REPEAT") > P("HALF_WEIGHT_DEDUCTION"));
        Assert.True(P("LIFE_AND_HEALTH_AGGRAVATION") > P("MINOR_DEDUCTION"));
        Assert.True(P("LISTABLE_HEAVIER_PENALTY") > P("LISTING_REPAIR"));
        Assert.True(P("LISTING_REPAIR") > P("LISTING_RUN"));
        Assert.True(P("LISTING_RUN") > P("SCORE_AND_GRADE"));
        Assert.True(P("SCORE_AND_GRADE") > P("LISTED_GRADE_D"));
    }

    [Fact]
    public void RulesFolder_EachFile_DeclaresExactlyOneRuleNamedLikeTheFile()
    {
        var folder = Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", "rules", "WangJian.Credit.Rules", "Rules"));
        var files = Directory.GetFiles(folder, "*.cs");

        // Abstract bases (a family of rules sharing one definition) are not rules themselves.
        files = files.Where(f => !AbstractClass().IsMatch(File.ReadAllText(f))).ToArray();
        Assert.Equal(Definitions.Count, files.Length);
        Assert.All(files, file =>
        {
            var classes = RuleClass().Matches(File.ReadAllText(file));
            var only = Assert.Single(classes);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), only.Groups[1].Value);
        });
    }

    [Fact]
    public void SessionFactory_HoldsNoPolicyNumber_OneCompiledNetworkScoresEachPolicyByItsOwnNumbers()
    {
        // The shared network must read every number from the policy fact: the same history under a policy
        // with FAKE_TRANSACTION's points doubled deducts exactly twice as much.
        var json = JsonNode.Parse(File.ReadAllText(PolicyLoader.DefaultPath))!;
        var offense = json["offenses"]!.AsArray().Single(o => (string?)o!["code"] == "FAKE_TRANSACTION")!;
        offense["points"] = new JsonArray(offense["points"]!.AsArray().Select(p => JsonValue.Create((int)p! * 2)).ToArray<JsonNode?>());
        var doubled = PolicyLoader.Parse(json.ToJsonString(), "doubled");
        var history = Histories.History(Histories.V("FAKE_TRANSACTION", Severity.General, Histories.At(2026, 1, 10)));
        var at = Histories.At(2026, 2, 1);
        var factory = NRulesCreditScorer.SessionFactory;

        var shipped = new NRulesCreditScorer().Assess(history, Histories.Policy, at);
        var twice = new NRulesCreditScorer().Assess(history, doubled, at);

        Assert.Same(factory, NRulesCreditScorer.SessionFactory);
        Assert.Equal(2 * (100 - shipped.Score), 100 - twice.Score);
    }

    private static List<IRuleDefinition> LoadDefinitions()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(NRulesCreditScorer).Assembly));
        return repository.GetRuleSets().SelectMany(s => s.Rules).ToList();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex(@"sealed class\s+(\w+)(?:\(\))?\s*:\s*(?:Rule|FamilyRepeatRule)\b")]
    private static partial Regex RuleClass();

    [GeneratedRegex(@"public abstract class\s+\w+")]
    private static partial Regex AbstractClass();
}
