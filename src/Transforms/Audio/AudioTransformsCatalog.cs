using System;
using Microsoft.ML;
using MLNet.Sequence.Transforms.Audio;

namespace MLNet.Sequence
{
    /// <summary>Audio transforms on <c>mlContext.Transforms</c>: read WAV audio, compute spectral frames.</summary>
    public static class AudioTransformsCatalog
    {
        /// <summary>
        /// Reads WAV audio from a column of file paths (Text) or file contents (a vector of Byte) into mono Single samples
        /// at <paramref name="sampleRate"/> Hz (channels averaged, other rates resampled).
        /// </summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="outputColumnName">The output column: a variable-length Single vector of samples.</param>
        /// <param name="inputColumnName">The path or bytes column; defaults to <paramref name="outputColumnName"/>.</param>
        /// <param name="sampleRate">The output sample rate in Hz.</param>
        /// <returns>The estimator.</returns>
        public static LoadAudioEstimator LoadAudio(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null, int sampleRate = 16000)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new LoadAudioEstimator(new LoadAudioEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, SampleRate = sampleRate });
        }

        /// <summary>Reads WAV audio, with every option.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static LoadAudioEstimator LoadAudio(this TransformsCatalog catalog, LoadAudioEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new LoadAudioEstimator(options);
        }

        /// <summary>
        /// Computes MFCCs or log-mel energies over 25 ms frames every 10 ms, normalised per utterance: a variable-length
        /// Single vector of shape [frames, features], ready for <c>PadSequences</c> and the sequence trainers.
        /// </summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="outputColumnName">The output column.</param>
        /// <param name="inputColumnName">The samples column (e.g. from <c>LoadAudio</c>, whose sample rate it reads); defaults to <paramref name="outputColumnName"/>.</param>
        /// <param name="kind">MFCCs (13 coefficients of 40 mel bands) or log-mel energies (40 bands).</param>
        /// <returns>The estimator.</returns>
        public static AudioFeaturesEstimator ExtractAudioFeatures(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
            AudioFeatureKind kind = AudioFeatureKind.Mfcc)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new AudioFeaturesEstimator(new AudioFeaturesEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Kind = kind });
        }

        /// <summary>Computes spectral features, with every option.</summary>
        /// <param name="catalog">The transforms catalog.</param>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public static AudioFeaturesEstimator ExtractAudioFeatures(this TransformsCatalog catalog, AudioFeaturesEstimator.Options options)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            return new AudioFeaturesEstimator(options);
        }
    }
}
