using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>
/// <c>wjcredit verify FILE.pdf</c>: asks the service (PublicService.VerifyCreditReport, no token) whether the file
/// is the report it issued, and checks the file's own signature with the service's public key, off line.
/// </summary>
public static class VerifyCommand
{
    private const string Trailer = "%WJ-SIG ";

    public static Command Create(Binder bind)
    {
        var file = new Argument<string>("FILE") { Description = "A credit report PDF as 'wjcredit report --pdf' or GetCreditReport delivered it" };
        var command = new Command("verify", "Check a credit report PDF: VALID, ALTERED or UNKNOWN, and its signature against the public key") { file };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(file)!)));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path} does not exist");
        }

        var bytes = await File.ReadAllBytesAsync(path, context.CancellationToken);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var trailer = ReadTrailer(bytes);
        if (trailer is null)
        {
            context.Output.Error.WriteLine($"wjcredit: {path} carries no WangJian.Credit signature (no {Trailer.Trim()} line): not a report of this service, or cut short");
            return ExitCodes.NotFoundOrPrecondition;
        }

        var (signed, number, keyId, signature) = trailer.Value;
        using var connection = context.Connect("platform");
        var client = new PublicService.PublicServiceClient(connection.Invoker);
        var verdict = await client.VerifyCreditReportAsync(new VerifyCreditReportRequest { ReportNumber = number, Sha256 = sha }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        var keys = await client.GetSigningKeysAsync(new GetSigningKeysRequest(), deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        var key = keys.Keys.FirstOrDefault(k => k.KeyId == keyId);
        var offline = key is not null && VerifySignature(key.PublicKeyPem, signed, signature);

        if (context.Output.Json)
        {
            context.Output.WriteJson(verdict);
        }
        else
        {
            var console = context.Output.Console;
            console.WriteLine($"Report      {number}");
            console.WriteLine($"SHA-256     {sha}");
            console.WriteLine($"Service     {Names.Of(verdict.Verdict)}" + (verdict.Verdict == ReportVerdict.Valid
                ? $": operator {verdict.OperatorId}, grade {Names.Of(verdict.Grade)}, as of {Times.Format(verdict.AsOf)}, issued {Times.Format(verdict.IssueTime)}"
                : string.Empty));
            console.WriteLine($"Signature   " + (key is null ? $"key {keyId} is not one of the service's keys" : offline ? $"valid (key {keyId}, checked here with its public key)" : $"DOES NOT MATCH (key {keyId})"));
        }

        return verdict.Verdict == ReportVerdict.Valid && offline ? ExitCodes.Ok : ExitCodes.NotFoundOrPrecondition;
    }

    /// <summary>The file's signed part (every byte before the trailer line) and the trailer's fields.</summary>
    internal static (byte[] Signed, string Number, string KeyId, byte[] Signature)? ReadTrailer(byte[] file)
    {
        var marker = Encoding.ASCII.GetBytes("\n" + Trailer);
        var at = file.AsSpan().LastIndexOf(marker);
        if (at < 0)
        {
            return null;
        }

        var parts = Encoding.ASCII.GetString(file, at + marker.Length, file.Length - at - marker.Length).Trim().Split(' ');
        try
        {
            return parts.Length == 3 ? (file[..(at + 1)], parts[0], parts[1], Convert.FromBase64String(parts[2])) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static bool VerifySignature(string publicKeyPem, byte[] data, byte[] signature)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
