/// Closed-form results for Markovian queues: what simulated output is validated against.
public enum QueueingTheory {
    /// Erlang's loss formula B(c, A): the probability that an arrival to an M/M/c/c system (c servers, no
    /// waiting room) with offered load A = λ/μ finds every server busy. Computed by the stable recurrence
    /// B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1)).
    public static func erlangB(servers: Int, offeredLoad a: Double) -> Double {
        precondition(servers >= 0 && a >= 0, "servers and offered load must be >= 0")
        var b = 1.0
        if servers > 0 {
            for k in 1...servers { b = a * b / (Double(k) + a * b) }
        }
        return b
    }

    /// Erlang's delay formula C(c, A): the probability that an arrival to an M/M/c queue waits, for A < c.
    /// C = c·B / (c - A·(1 - B)) with B = B(c, A).
    public static func erlangC(servers: Int, offeredLoad a: Double) -> Double {
        precondition(servers > 0 && a >= 0 && a < Double(servers), "Erlang C needs offered load < servers")
        let b = erlangB(servers: servers, offeredLoad: a)
        return Double(servers) * b / (Double(servers) - a * (1 - b))
    }

    /// The mean wait in queue of an M/M/c queue, Wq = C(c, A) / (cμ - λ), in the unit of the rates.
    public static func mmcMeanWait(servers: Int, arrivalRate lambda: Double, serviceRate mu: Double) -> Double {
        let a = lambda / mu
        return erlangC(servers: servers, offeredLoad: a) / (Double(servers) * mu - lambda)
    }

    /// The mean sojourn time of an open Jackson network whose stations are M/M/c queues: by Little's law,
    /// the mean number in the network over the external arrival rate. `routing[i][j]` is the probability of
    /// going from station i to j; what is left of each row leaves the network.
    public static func jacksonMeanSojourn(externalArrivalRates: [Double], servers: [Int], meanServiceTimes: [Double],
                                          routing: [[Double]]) -> Double
    {
        let n = externalArrivalRates.count
        // Traffic equations λ = γ + λP, solved by fixed-point iteration (converges for an open network).
        var lambda = externalArrivalRates
        for _ in 0..<10_000 {
            var next = externalArrivalRates
            for i in 0..<n { for j in 0..<n { next[j] += lambda[i] * routing[i][j] } }
            let change = zip(next, lambda).map { abs($0 - $1) }.max() ?? 0
            lambda = next
            if change < 1e-15 { break }
        }
        var inSystem = 0.0
        for i in 0..<n {
            let mu = 1 / meanServiceTimes[i]
            let wq = mmcMeanWait(servers: servers[i], arrivalRate: lambda[i], serviceRate: mu)
            inSystem += lambda[i] * (wq + meanServiceTimes[i])
        }
        return inSystem / externalArrivalRates.reduce(0, +)
    }
}
