using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace WangJian.Credit.Server.Reports;

/// <summary>
/// Lays a <see cref="CreditReport"/> out as an A4 PDF in Chinese with PDFsharp, with a QR code of its
/// verification data, and appends the signature trailer (<see cref="Trailer"/>).
/// </summary>
public static class PdfReport
{
    private const double Margin = 50;

    /// <summary>
    /// The signature travels inside the file as a PDF comment after <c>%%EOF</c>, which readers ignore:
    /// <c>%WJ-SIG &lt;report number&gt; &lt;key id&gt; &lt;base64 signature&gt;</c>, over every byte before it.
    /// </summary>
    public const string Trailer = "%WJ-SIG ";

    /// <summary>The PDF of the report, without its trailer.</summary>
    public static byte[] Render(CreditReport r, string fontFamily, string qrPayload)
    {
        using var document = new PdfDocument();
        document.Info.Title = $"专项信用报告 {r.ReportNumber}";
        document.Info.Subject = r.OperatorId;
        document.Info.Creator = "WangJian.Credit";
        // Fixed so that the document depends only on the report's data.
        document.Info.CreationDate = r.IssuedAt.UtcDateTime;
        document.Info.ModificationDate = r.IssuedAt.UtcDateTime;

        var writer = new Writer(document, fontFamily);
        writer.Qr(qrPayload);
        writer.Line("专项信用报告（电子商务经营者）", 18, bold: true);
        writer.Line("Special credit report · WangJian.Credit", 9);
        writer.Gap(6);
        writer.Line($"报告编号 Report No.: {r.ReportNumber}", 10);
        writer.Line($"出具时间 Issued: {Time(r.IssuedAt)}", 10);
        writer.Line($"信用状态时点 As of: {Time(r.AsOf)}", 10);
        writer.Line($"统一社会信用代码 USCC: {r.OperatorId}", 10);
        writer.Line($"评分政策版本 Policy: {r.PolicyVersion}", 10);
        writer.Gap(8);
        writer.Line($"信用评分 Score: {r.Score.ToString("0.#", CultureInfo.InvariantCulture)}    信用等级 Grade: {r.Grade}", 14, bold: true);
        writer.Gap(8);

        writer.Line("严重违法失信名单 Serious illegal and dishonest list", 12, bold: true);
        if (r.Listing is { } l)
        {
            writer.Line($"列入 Listed: {Day(l.ListedAt)}    届满 Ends: {Day(l.ExpiresAt)}    规则 Rules: {string.Join(", ", l.Rules)}", 10);
            writer.Line($"列入依据 Decisions behind it: {string.Join("；", l.DecisionNumbers)}", 10);
        }
        else
        {
            writer.Line("未列入 Not listed", 10);
        }

        writer.Gap(8);
        writer.Line("公示期内的行政处罚 Penalty decisions in their publicity period", 12, bold: true);
        if (r.Penalties.Count == 0)
        {
            writer.Line("无 None", 10);
        }

        foreach (var p in r.Penalties)
        {
            var fine = p.FineFen > 0 ? $"，罚款 ¥{(p.FineFen / 100m).ToString("#,0.##", CultureInfo.InvariantCulture)}" : string.Empty;
            writer.Line($"{p.DecisionNumber}　{p.AuthorityName}（{p.AuthorityCode}）", 10, bold: true);
            writer.Line(
                $"    {p.OffenseName}（{p.OffenseCode}），{p.Severity}，{string.Join("、", p.PenaltyKinds)}{fine}；决定日期 {Day(p.DecidedAt)}" +
                (p.PublicityEndsAt is { } end ? $"，公示至 {Day(end)}" : string.Empty) + (p.BehindListing ? "；列入失信名单依据" : string.Empty),
                9);
        }

        writer.Gap(8);
        writer.Line("实施中的联合惩戒措施 Joint-punishment measures in force", 12, bold: true);
        if (r.Measures.Count == 0)
        {
            writer.Line("无 None", 10);
        }

        foreach (var m in r.Measures)
        {
            writer.Line($"{m.Agency}  {m.Code}: {m.Description}", 9);
        }

        writer.Gap(12);
        writer.Line($"本报告由 WangJian.Credit 以 ECDSA P-256 签名（密钥 {r.KeyId}）。核验：wjcredit verify 报告.pdf，或 PublicService.VerifyCreditReport。", 8);
        writer.Line("Signed with ECDSA P-256; verify with `wjcredit verify FILE.pdf` or PublicService.VerifyCreditReport (number + SHA-256).", 8);

        writer.Finish();
        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    /// <summary>The PDF with its trailer line appended.</summary>
    public static byte[] WithTrailer(byte[] pdf, string reportNumber, string keyId, byte[] signature)
    {
        var line = Encoding.ASCII.GetBytes($"{Trailer}{reportNumber} {keyId} {Convert.ToBase64String(signature)}\n");
        var eol = pdf.Length > 0 && pdf[^1] == (byte)'\n' ? Array.Empty<byte>() : "\n"u8.ToArray();
        return [.. pdf, .. eol, .. line];
    }

    /// <summary>Splits a delivered PDF into its signed part and its trailer; null when it has none.</summary>
    public static (byte[] Signed, string ReportNumber, string KeyId, byte[] Signature)? ReadTrailer(byte[] file)
    {
        var marker = Encoding.ASCII.GetBytes("\n" + Trailer);
        var at = file.AsSpan().LastIndexOf(marker);
        if (at < 0)
        {
            return null;
        }

        var parts = Encoding.ASCII.GetString(file, at + marker.Length, file.Length - at - marker.Length).Trim().Split(' ');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            return (file[..(at + 1)], parts[0], parts[1], Convert.FromBase64String(parts[2]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Writes lines top to bottom, wrapping to the page width and starting a new page when one is full.</summary>
    private sealed class Writer(PdfDocument document, string family)
    {
        private PdfPage page = null!;
        private XGraphics graphics = null!;
        private double y;

        public void Qr(string payload)
        {
            NewPageIfNeeded(0, force: true);
            using var generator = new QRCodeGenerator();
            using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
            var modules = data.ModuleMatrix;
            const double Size = 110;
            var cell = Size / modules.Count;
            var left = page.Width.Point - Margin - Size;
            var top = Margin;
            for (var row = 0; row < modules.Count; row++)
            {
                for (var col = 0; col < modules.Count; col++)
                {
                    if (modules[row][col])
                    {
                        graphics.DrawRectangle(XBrushes.Black, left + (col * cell), top + (row * cell), cell + 0.05, cell + 0.05);
                    }
                }
            }
        }

        public void Gap(double points) => y += points;

        public void Finish() => graphics?.Dispose();

        public void Line(string text, double size, bool bold = false)
        {
            var font = new XFont(family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, new XPdfFontOptions(PdfFontEncoding.Unicode));
            NewPageIfNeeded(size * 1.5);
            // The first lines run beside the QR code; the rest use the full width.
            var width = page.Width.Point - (2 * Margin) - (y < Margin + 120 ? 125 : 0);
            foreach (var piece in Wrap(text, font, width))
            {
                NewPageIfNeeded(size * 1.5);
                graphics.DrawString(piece, font, XBrushes.Black, new XPoint(Margin, y + size));
                y += size * 1.5;
            }
        }

        private IEnumerable<string> Wrap(string text, XFont font, double width)
        {
            var start = 0;
            while (start < text.Length)
            {
                var end = text.Length;
                while (end > start + 1 && graphics.MeasureString(text[start..end], font).Width > width)
                {
                    end--;
                }

                yield return text[start..end];
                start = end;
            }
        }

        private void NewPageIfNeeded(double height, bool force = false)
        {
            if (!force && page is not null && y + height <= page.Height.Point - Margin)
            {
                return;
            }

            graphics?.Dispose();
            page = document.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            graphics = XGraphics.FromPdfPage(page);
            y = Margin;
        }
    }
}
