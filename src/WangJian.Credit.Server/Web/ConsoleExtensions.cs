using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Web;

public static class ConsoleExtensions
{
    /// <summary>The web console (<c>Console:*</c>), validated with the other option groups before anything starts.</summary>
    public static ConsoleOptions AddCreditConsole(this WebApplicationBuilder builder, AuthOptions auth)
    {
        builder.AddValidatedOptions<ConsoleOptions, ConsoleOptionsValidator>(ConsoleOptions.Section);
        return ConsoleWeb.Add(builder, auth);
    }
}
