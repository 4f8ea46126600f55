using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Publicity;

public static class PublicityExtensions
{
    /// <summary>The public face (<c>Public:*</c>): what is published, and the rate limit per client address.</summary>
    public static void AddPublicity(this WebApplicationBuilder builder)
    {
        var options = builder.AddValidatedOptions<PublicOptions, PublicOptionsValidator>(PublicOptions.Section);
        builder.Services.AddSingleton<PublicRecords>();
        PublicRateLimit.Add(builder.Services, options);
    }
}
