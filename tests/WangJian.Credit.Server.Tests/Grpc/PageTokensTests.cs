using System.Reflection;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Grpc;

[Trait("Category", "Unit")]
public sealed class PageTokensTests
{
    [Fact]
    public void Kinds_AreDistinct()
    {
        var kinds = typeof(PageTokenKind).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToArray();

        Assert.True(kinds.Length >= 6);
        Assert.Equal(kinds.Length, kinds.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Position_RoundTripsAndIsRefusedByAnotherList()
    {
        var position = new IndexPosition(1790000000123.5, "chk:91330106673959654P:42");
        var token = PageTokens.EncodePosition(PageTokenKind.Checks, position);
        var errors = new List<FieldViolation>();

        Assert.Equal(position, PageTokens.DecodePosition(token, PageTokenKind.Checks, errors));
        Assert.Empty(errors);
        Assert.Null(PageTokens.DecodePosition(token, PageTokenKind.AccessLog, errors));
        Assert.Equal([("page_token", PageTokens.Invalid)], errors.Select(e => (e.Field, e.Description)));
    }

    [Fact]
    public void Offset_RoundTripsEmptyIsTheFirstPage()
    {
        var errors = new List<FieldViolation>();

        Assert.Equal(250, PageTokens.Decode(PageTokens.Encode(250), "page_token", errors));
        Assert.Equal(0, PageTokens.Decode(string.Empty, "page_token", errors));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("bzE6LTU=")] // "o1:-5": a negative offset
    [InlineData("czE6YWJj")] // "s1:abc": a seller token given to an offset list
    [InlineData("bzE=")] // "o1" without a payload
    public void Offset_ForeignOrBrokenTokens_NameTheField(string token)
    {
        var errors = new List<FieldViolation>();

        Assert.Equal(0, PageTokens.Decode(token, "page_token", errors));
        Assert.Equal("page_token", Assert.Single(errors).Field);
    }

    [Fact]
    public void Unwrap_OnlyTheSameKind()
    {
        var token = PageTokens.Wrap(PageTokenKind.Sellers, "91330106673959654P");

        Assert.Equal("91330106673959654P", PageTokens.Unwrap(token, PageTokenKind.Sellers));
        Assert.Null(PageTokens.Unwrap(token, PageTokenKind.Blacklist));
        Assert.Null(PageTokens.Unwrap("%%%", PageTokenKind.Sellers));
    }
}
