//! An engine's output made fit for the media path: mono 16-bit at any rate in, 8 kHz out,
//! leading and trailing silence trimmed, peak at -3 dBFS, 0.2 s of silence after, like the
//! shipped WAVs (`prompts/generate.sh`).

/// The media path's rate.
pub const RATE: u32 = 8000;
/// Samples quieter than this (about -55 dBFS) count as silence when trimming.
const SILENCE: i32 = 58;
const TRAIL_MS: usize = 200;
/// Half the taps of the windowed-sinc low-pass: enough stop-band for speech on a phone line.
const HALF_TAPS: i64 = 16;

/// Converts `pcm` at `rate` to what a prompt must be.
pub fn for_phone(pcm: &[i16], rate: u32) -> Vec<i16> {
    let first = pcm.iter().position(|s| i32::from(*s).abs() > SILENCE);
    let last = pcm.iter().rposition(|s| i32::from(*s).abs() > SILENCE);
    let speech = match (first, last) {
        (Some(a), Some(b)) => &pcm[a..=b],
        _ => &[][..],
    };
    let mut out = resample(speech, rate, RATE);
    normalise(&mut out);
    out.extend(std::iter::repeat_n(0, TRAIL_MS * RATE as usize / 1000));
    out
}

/// Windowed-sinc resampling (Hann window), cut-off below the lower Nyquist so nothing above
/// 4 kHz folds back into the band a caller hears. Polyphase: the rates' ratio is rational
/// (22050 → 8000 is 441/160), so the filter is computed once per phase, not per sample.
pub fn resample(input: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || input.is_empty() || from == 0 || to == 0 {
        return input.to_vec();
    }
    let g = gcd(from, to);
    let (up, down) = (u64::from(to / g), u64::from(from / g));
    let ratio = f64::from(from) / f64::from(to);
    let cutoff = (f64::from(to.min(from)) / f64::from(from)) * 0.92;
    let half = (HALF_TAPS as f64 * ratio.max(1.0)).ceil() as i64;
    // Phases beyond a few thousand (odd rates) reuse the nearest one: inaudible at 8 kHz.
    let phases = up.min(4096);
    let table: Vec<Vec<f64>> = (0..phases)
        .map(|p| {
            let frac = p as f64 / phases as f64;
            (-half..=half)
                .map(|k| {
                    let x = k as f64 - frac;
                    let sinc = if x == 0.0 {
                        cutoff
                    } else {
                        (std::f64::consts::PI * cutoff * x).sin() / (std::f64::consts::PI * x)
                    };
                    let window = if x.abs() >= half as f64 {
                        0.0
                    } else {
                        0.5 + 0.5 * (std::f64::consts::PI * x / half as f64).cos()
                    };
                    sinc * window
                })
                .collect()
        })
        .collect();
    let out_len = (input.len() as u64 * up / down) as usize;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len as u64 {
        let pos = n * down;
        let base = (pos / up) as i64;
        let phase = ((pos % up) * phases / up) as usize;
        let mut acc = 0.0;
        for (i, c) in table[phase].iter().enumerate() {
            let k = base + i as i64 - half;
            if k >= 0 && (k as usize) < input.len() {
                acc += f64::from(input[k as usize]) * c;
            }
        }
        out.push(acc.round().clamp(-32768.0, 32767.0) as i16);
    }
    out
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Peak to -3 dBFS (silence stays silence).
fn normalise(pcm: &mut [i16]) {
    let peak = pcm.iter().map(|s| i32::from(*s).abs()).max().unwrap_or(0);
    if peak == 0 {
        return;
    }
    let gain = 23197.0 / f64::from(peak);
    for s in pcm {
        *s = (f64::from(*s) * gain).round().clamp(-32768.0, 32767.0) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, ms: usize) -> Vec<i16> {
        (0..rate as usize * ms / 1000)
            .map(|i| {
                (10000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as i16
            })
            .collect()
    }

    fn rms(s: &[i16]) -> f64 {
        (s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
    }

    #[test]
    fn speech_band_passes_and_above_four_kilohertz_is_removed() {
        let low = resample(&tone(1000.0, 22050, 500), 22050, 8000);
        assert_eq!(low.len(), 4000);
        assert!(rms(&low[100..3900]) > 6000.0, "{}", rms(&low));
        let high = resample(&tone(6000.0, 22050, 500), 22050, 8000);
        assert!(rms(&high[100..3900]) < 300.0, "{}", rms(&high));
    }

    #[test]
    fn silence_is_trimmed_the_peak_normalised_and_a_tail_added() {
        let mut pcm = vec![0i16; 2205];
        pcm.extend(tone(500.0, 22050, 300));
        pcm.extend(vec![0i16; 4410]);
        let out = for_phone(&pcm, 22050);
        let speech = 2400;
        assert!(out.len() >= speech + 1600 - 10 && out.len() <= speech + 1600 + 10);
        let peak = out.iter().map(|s| i32::from(*s).abs()).max().unwrap();
        assert!((22500..=23300).contains(&peak), "{peak}");
        assert!(out[out.len() - 1600..].iter().all(|s| *s == 0));
        assert!(
            i32::from(out[0]).abs() < 8000,
            "starts where the tone rises from zero"
        );
    }
}
