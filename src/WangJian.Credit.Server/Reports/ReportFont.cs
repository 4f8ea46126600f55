using System.Buffers.Binary;
using System.Collections.Concurrent;
using PdfSharp.Fonts;

namespace WangJian.Credit.Server.Reports;

/// <summary>
/// The CJK font reports are set in, found by path (<c>Reports:FontPath</c>). It must have TrueType outlines:
/// PDFsharp embeds glyf fonts, not CFF ones (Debian's Noto CJK .ttc files are CFF). A TrueType collection
/// (.ttc, as Debian's fonts-wqy-zenhei ships) is accepted: its first face is taken out as a plain font.
/// </summary>
public static class ReportFont
{
    /// <summary>Debian's fonts-wqy-zenhei (TrueType outlines, Latin and CJK in one face), then fonts-arphic-uming.</summary>
    public static readonly string[] DefaultPaths =
    [
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
    ];

    private static readonly ConcurrentDictionary<string, byte[]> Faces = new(StringComparer.Ordinal);

    // Path → family: a font file is read once per process (it is 17 MB; servers started again in one process reuse it).
    private static readonly ConcurrentDictionary<string, string> Families = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static bool installed;

    /// <summary>
    /// Loads the face at <paramref name="path"/> and answers the family name to draw it with. PDFsharp's font
    /// resolver is process-wide, so each path gets its own family name and one resolver serves them all.
    /// </summary>
    public static string Register(string path) => Families.TryGetValue(path, out var known) ? known : Families[path] = Load(path);

    private static string Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var face = IsCollection(bytes) ? FirstFace(bytes) : bytes;
        if (!HasTrueTypeOutlines(face))
        {
            throw new InvalidOperationException($"{path} has no TrueType outlines (a CFF font such as Noto CJK cannot be embedded); install fonts-wqy-zenhei or point Reports:FontPath at a TrueType CJK font");
        }

        var family = "wj-report-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path)))[..12];
        Faces[family] = face;
        lock (Gate)
        {
            if (!installed)
            {
                GlobalFontSettings.FontResolver = new Resolver();
                installed = true;
            }
        }

        return family;
    }

    /// <summary>The configured path, else the first default that exists; null when there is none.</summary>
    public static string? Find(string? configured) =>
        !string.IsNullOrWhiteSpace(configured) ? configured : DefaultPaths.FirstOrDefault(File.Exists);

    private static bool IsCollection(byte[] b) => b.Length > 12 && b[0] == 't' && b[1] == 't' && b[2] == 'c' && b[3] == 'f';

    private static bool HasTrueTypeOutlines(byte[] font)
    {
        var tables = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        for (var i = 0; i < tables; i++)
        {
            if (font.AsSpan(12 + (16 * i), 4).SequenceEqual("glyf"u8))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A collection's first face as a stand-alone font: its table directory with the tables copied after it
    /// (in a collection the tables' offsets count from the start of the collection file).
    /// </summary>
    private static byte[] FirstFace(byte[] ttc)
    {
        var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(ttc.AsSpan(12));
        var numTables = BinaryPrimitives.ReadUInt16BigEndian(ttc.AsSpan(offset + 4));
        var headerLength = 12 + (16 * numTables);
        var records = new List<(byte[] Tag, uint Checksum, int Offset, int Length)>();
        for (var i = 0; i < numTables; i++)
        {
            var r = ttc.AsSpan(offset + 12 + (16 * i), 16);
            records.Add((r[..4].ToArray(), BinaryPrimitives.ReadUInt32BigEndian(r[4..]), (int)BinaryPrimitives.ReadUInt32BigEndian(r[8..]), (int)BinaryPrimitives.ReadUInt32BigEndian(r[12..])));
        }

        var total = headerLength + records.Sum(r => (r.Length + 3) & ~3);
        var font = new byte[total];
        ttc.AsSpan(offset, 12).CopyTo(font);
        var at = headerLength;
        for (var i = 0; i < records.Count; i++)
        {
            var (tag, checksum, from, length) = records[i];
            var rec = font.AsSpan(12 + (16 * i), 16);
            tag.CopyTo(rec);
            BinaryPrimitives.WriteUInt32BigEndian(rec[4..], checksum);
            BinaryPrimitives.WriteUInt32BigEndian(rec[8..], (uint)at);
            BinaryPrimitives.WriteUInt32BigEndian(rec[12..], (uint)length);
            ttc.AsSpan(from, length).CopyTo(font.AsSpan(at));
            at += (length + 3) & ~3;
        }

        return font;
    }

    private sealed class Resolver : IFontResolver
    {
        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            Faces.ContainsKey(familyName)
                ? new FontResolverInfo(familyName, bold, false)
                : Faces.Keys.FirstOrDefault() is { } any ? new FontResolverInfo(any, bold, false) : null;

        public byte[]? GetFont(string faceName) => Faces.TryGetValue(faceName, out var face) ? face : null;
    }
}
