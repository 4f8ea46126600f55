using System.Globalization;
using System.Text;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// The one codec for page tokens: a kind tag and a payload, base64-wrapped so clients do not build them
/// and their shape can change. Every kind is listed in <see cref="PageTokenKind"/>, so two lists never
/// share a tag and a token of one list is refused by another; a changed payload shape gets a new version
/// digit. Change and notice cursors are not page tokens: they are plain sequence numbers in the API.
/// </summary>
public static class PageTokens
{
    public const string Invalid = "page_token is not a token this server issued";

    public static string Wrap(string kind, string payload) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{kind}:{payload}"));

    /// <summary>The payload of a token of this kind, or null when the token is not one.</summary>
    public static string? Unwrap(string token, string kind)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return text.StartsWith(kind + ":", StringComparison.Ordinal) ? text[(kind.Length + 1)..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>An offset page of <see cref="PageTokenKind.Offset"/>.</summary>
    public static string Encode(int offset) => Wrap(PageTokenKind.Offset, offset.ToString(CultureInfo.InvariantCulture));

    public static int Decode(string token, string field, List<FieldViolation> errors)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        if (int.TryParse(Unwrap(token, PageTokenKind.Offset), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return offset;
        }

        errors.Add(new(field, Invalid));
        return 0;
    }

    /// <summary>A keyed page position of a time index (empty token: the first page).</summary>
    public static string EncodePosition(string kind, Storage.IndexPosition position) => Wrap(kind, position.Encode());

    /// <summary>A keyed page position of a time index (empty token: the first page).</summary>
    public static Storage.IndexPosition? DecodePosition(string token, string kind, List<FieldViolation> errors)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        if (Storage.IndexPosition.Decode(Unwrap(token, kind)) is { } position)
        {
            return position;
        }

        errors.Add(new("page_token", Invalid));
        return null;
    }
}

/// <summary>The kinds of page token, one per list; the digit is the payload's version.</summary>
public static class PageTokenKind
{
    /// <summary>Offset into a list that is read whole (ListViolations): the offset.</summary>
    public const string Offset = "o1";

    /// <summary>Blacklist by score: score and member of the last entry.</summary>
    public const string Blacklist = "b1";

    /// <summary>A platform's seller list: the last seller id.</summary>
    public const string Sellers = "s1";

    /// <summary>The agency check log, newest first: an index position.</summary>
    public const string Checks = "c1";

    /// <summary>Four-eyes approvals, newest first: an index position.</summary>
    public const string Approvals = "a1";

    /// <summary>The access log, newest first: an index position.</summary>
    public const string AccessLog = "l1";
}
