using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Reports;

/// <summary>The public half of a key that has signed reports.</summary>
public sealed record PublicSigningKey(string KeyId, string PublicKeyPem, DateTimeOffset FirstUsedAt, bool Current);

/// <summary>
/// The service's report-signing key: ECDSA P-256. The private key is a PEM file, <c>Reports:SigningKeyPath</c>
/// or, by default, <c>&lt;DataDir&gt;/report-signing-key.pem</c>, generated at first start with mode 0600. The
/// public key of every key that has ever been current is kept in the store (<c>wj:report-keys</c>), so
/// rotating (pointing the setting at a new key, or replacing the file) keeps every report signed before
/// verifiable, on line and off line.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    public const string Algorithm = "ECDSA_P256_SHA256";
    private const string StoreKey = "wj:report-keys";

    private readonly ECDsa key;
    private readonly IConnectionMultiplexer redis;

    private SigningKeys(ECDsa key, IConnectionMultiplexer redis)
    {
        this.key = key;
        this.redis = redis;
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
        KeyId = IdOf(key.ExportSubjectPublicKeyInfo());
    }

    public string KeyId { get; }

    public string PublicKeyPem { get; }

    /// <summary>Loads the key at <paramref name="path"/>, or creates it (owner-only) when <paramref name="create"/>; registers its public half.</summary>
    public static async Task<SigningKeys> LoadAsync(string path, bool create, IConnectionMultiplexer redis, DateTimeOffset now)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            try
            {
                key.ImportFromPem(await File.ReadAllTextAsync(path));
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                key.Dispose();
                throw new InvalidOperationException($"{path} is not an EC private key in PEM (Reports:SigningKeyPath): {e.Message}");
            }

            if (key.KeySize != 256)
            {
                key.Dispose();
                throw new InvalidOperationException($"{path} is a {key.KeySize}-bit key; report signing uses P-256 (Reports:SigningKeyPath)");
            }
        }
        else if (create)
        {
            key.Dispose();
            key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var pem = key.ExportPkcs8PrivateKeyPem();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            // Created owner-only before the key is written into it.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(path, options))
            {
                await file.WriteAsync(Encoding.ASCII.GetBytes(pem));
            }
        }
        else
        {
            key.Dispose();
            throw new InvalidOperationException($"the report signing key {path} does not exist (Reports:SigningKeyPath)");
        }

        var keys = new SigningKeys(key, redis);
        await redis.GetDatabase().HashSetAsync(StoreKey, keys.KeyId, $"{now.ToUnixTimeMilliseconds()}\n{keys.PublicKeyPem}", When.NotExists);
        return keys;
    }

    /// <summary>ECDSA P-256 over SHA-256 of <paramref name="data"/>, IEEE P1363 (r‖s, 64 bytes).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Every key that has signed, current first, then newest first.</summary>
    public async Task<IReadOnlyList<PublicSigningKey>> ListAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(StoreKey);
        return entries
            .Select(e =>
            {
                var text = e.Value.ToString();
                var nl = text.IndexOf('\n', StringComparison.Ordinal);
                var ms = long.Parse(text[..nl], System.Globalization.CultureInfo.InvariantCulture);
                return new PublicSigningKey(e.Name!, text[(nl + 1)..], DateTimeOffset.FromUnixTimeMilliseconds(ms), e.Name == KeyId);
            })
            .OrderByDescending(k => k.Current).ThenByDescending(k => k.FirstUsedAt)
            .ToArray();
    }

    /// <summary>Verifies a signature with only a public key: what an offline verifier does.</summary>
    public static bool Verify(string publicKeyPem, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var pub = ECDsa.Create();
        pub.ImportFromPem(publicKeyPem);
        return pub.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>The first 16 hex digits of the SHA-256 of the SubjectPublicKeyInfo.</summary>
    public static string IdOf(ReadOnlySpan<byte> subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    public void Dispose() => key.Dispose();
}
