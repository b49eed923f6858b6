using JoinedUp.Fhir;
using JoinedUp.Record.Synthetic;

namespace JoinedUp.Cli;

/// <summary>A one-line progress bar on a terminal; on a pipe or file, a line every 10%.</summary>
internal sealed class ProgressBar(TextWriter output) : IProgress<GenerateProgress>, IProgress<ImportProgress>, IProgress<JoinedUp.Outcomes.Measures.OutcomesProgress>
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private int _lastTenth = -1;

    public void Report(GenerateProgress value)
    {
        var fraction = value.PatientsTotal == 0 ? 1 : (double)value.PatientsDone / value.PatientsTotal;
        var rate = value.RowsWritten / Math.Max(0.001, value.Elapsed.TotalSeconds);
        var remaining = fraction > 0 ? TimeSpan.FromSeconds(value.Elapsed.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        Show(fraction, $"{fraction,4:P0} {value.PatientsDone:N0}/{value.PatientsTotal:N0} patients, {value.RowsWritten:N0} rows ({rate:N0}/s), about {remaining.TotalSeconds:F0} s left");
    }

    public void Report(ImportProgress value)
    {
        var fraction = value.FilesTotal == 0 ? 1 : (double)value.FilesDone / value.FilesTotal;
        var rate = value.EntriesDone / Math.Max(0.001, value.Elapsed.TotalSeconds);
        Show(fraction, $"{fraction,4:P0} {value.FilesDone:N0}/{value.FilesTotal:N0} files, {value.EntriesDone:N0} entries read, {value.EntriesStored:N0} stored ({rate:N0}/s) {value.CurrentFile}");
    }

    public void Report(JoinedUp.Outcomes.Measures.OutcomesProgress value)
    {
        var fraction = value.Total == 0 ? 1 : (double)value.Done / value.Total;
        Show(fraction, $"{fraction,4:P0} {value.Done}/{value.Total} measures ({value.Measure}), {value.Elapsed.TotalSeconds:F1} s");
    }

    private void Show(double fraction, string text)
    {
        if (_interactive)
        {
            const int width = 30;
            var filled = (int)(fraction * width);
            output.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {text}   ");
        }
        else
        {
            var tenth = (int)(fraction * 10);
            if (tenth != _lastTenth)
            {
                _lastTenth = tenth;
                output.WriteLine(text);
            }
        }
    }

    public void Done()
    {
        if (_interactive) output.WriteLine();
    }
}
