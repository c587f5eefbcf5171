/// The significance level of every statistical check in this suite.
///
/// Each sampler, queue and process check below is a hypothesis test at level α = 0.001 (or a 99.9% confidence
/// interval, its dual). About fifty such checks run, so with every implementation correct the chance that any
/// one fails by bad luck is below 1 - 0.999^50 ≈ 5% (Bonferroni), while each check still has the power to catch
/// a wrong mean, variance or shape at the sample sizes used (see the "can fail" tests). Seeds are fixed, so a
/// run is reproducible: a failure is investigated, never re-seeded away.
enum Tolerance {
    static let alpha = 0.001
    static let confidence = 1 - alpha
}
