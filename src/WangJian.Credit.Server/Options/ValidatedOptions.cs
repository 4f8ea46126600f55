using Microsoft.Extensions.Options;

namespace WangJian.Credit.Server.Options;

/// <summary>
/// One way every option group is bound and checked: <c>BindConfiguration</c> of its section, its
/// <see cref="IValidateOptions{TOptions}"/> validator, <c>ValidateOnStart</c>; and the same validation at
/// once, while the host is composed. The store and the silo are built from these values before the host
/// starts, so a bad value must stop the server before anything is started or written; ValidateOnStart
/// keeps the group checked for whatever reads it through <see cref="IOptions{TOptions}"/> later.
/// </summary>
/// <remarks>
/// A failure is one message <c>&lt;what&gt; (&lt;Setting:Name&gt;)</c>; Program.cs prints it as the one
/// line <c>cannot start: …</c> and exits 2. Nothing is clamped: a value that cannot work is refused.
/// </remarks>
public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/>, validates it with <typeparamref name="TValidator"/>
    /// now and at start, registers it as <see cref="IOptions{TOptions}"/> and as <typeparamref name="T"/> itself, and
    /// returns the validated value. <paramref name="complete"/> fills in what the binder cannot (a value given either
    /// as a list or as one string).
    /// </summary>
    public static T AddValidatedOptions<T, TValidator>(this IHostApplicationBuilder builder, string section, Action<T, IConfiguration>? complete = null)
        where T : class, new()
        where TValidator : class, IValidateOptions<T>, new()
    {
        var configuration = builder.Configuration;
        var options = builder.Services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        if (complete is not null)
        {
            options.PostConfigure(o => complete(o, configuration));
        }

        builder.Services.AddSingleton<IValidateOptions<T>, TValidator>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);

        var value = configuration.GetSection(section).Get<T>() ?? new T();
        complete?.Invoke(value, configuration);
        var result = new TValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, value);
        if (result.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(T), result.Failures);
        }

        return value;
    }

    /// <summary>The one line a validation failure is reported as: its failures, each naming its setting.</summary>
    public static string OneLine(OptionsValidationException e) => string.Join("; ", e.Failures.Select(f => f.Split('\n')[0].Trim()));
}

/// <summary>
/// Collects the failures of one option group, each <c>&lt;what&gt; (&lt;Setting:Name&gt;)</c>: the checks that
/// used to be spread over the start-up code, in one vocabulary.
/// </summary>
public sealed class OptionFailures
{
    private readonly List<string> failures = [];

    public ValidateOptionsResult Result => failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

    public void Add(string what, string setting) => failures.Add($"{what} ({setting})");

    public void Positive(TimeSpan value, string setting, string unit = "milliseconds")
    {
        if (value <= TimeSpan.Zero)
        {
            Add($"{Shown(value, unit)} must be a positive number of {unit}", setting);
        }
    }

    public void Range(double value, double min, double max, string setting, string what)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            Add($"{value} is not {what}", setting);
        }
    }

    public void OptionalUrl(string? value, string setting)
    {
        if (!string.IsNullOrWhiteSpace(value) && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            Add($"'{value}' is not an http:// or https:// URL with a valid port", setting);
        }
    }

    private static string Shown(TimeSpan value, string unit) => unit switch
    {
        "milliseconds" => value.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "seconds" => value.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
