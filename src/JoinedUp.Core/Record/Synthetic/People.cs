namespace JoinedUp.Record.Synthetic;

/// <summary>
/// Name and language pools for a diverse inner-London borough. Names are common ones combined at random:
/// every generated person is fictional.
/// </summary>
internal static class People
{
    internal sealed record Community(string Name, double Share, string[] FamilyNames, string[] FemaleNames, string[] MaleNames, (string Language, double Share)[] Languages, double InterpreterIfNotEnglish);

    internal static readonly Community[] Communities =
    [
        new("Bangladeshi", 0.32,
            ["Ahmed", "Begum", "Miah", "Rahman", "Uddin", "Khatun", "Islam", "Hussain", "Ali", "Choudhury", "Hoque", "Khan", "Bibi", "Chowdhury", "Akhtar", "Sultana"],
            ["Fatema", "Ayesha", "Nusrat", "Rumana", "Shirin", "Amina", "Salma", "Taslima", "Hasina", "Jahanara", "Nadia", "Sabrina", "Farzana", "Rokeya", "Maryam", "Anika"],
            ["Mohammed", "Abdul", "Rahim", "Karim", "Jamal", "Shahid", "Rafiq", "Anwar", "Faruk", "Imran", "Sohel", "Kamal", "Habib", "Ibrahim", "Yusuf", "Ayaan"],
            [("en", 0.45), ("bn", 0.55)], 0.45),
        new("White British", 0.31,
            ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke"],
            ["Olivia", "Emily", "Sophie", "Jessica", "Charlotte", "Lucy", "Hannah", "Grace", "Margaret", "Jean", "Susan", "Patricia", "Karen", "Rebecca", "Amelia", "Isla"],
            ["Oliver", "Jack", "Harry", "George", "Thomas", "James", "William", "Daniel", "John", "David", "Peter", "Michael", "Robert", "Alfie", "Charlie", "Leo"],
            [("en", 1.0)], 0.0),
        new("Other White", 0.12,
            ["Nowak", "Kowalski", "Wisniewski", "Rossi", "Bianchi", "Garcia", "Martinez", "Silva", "Santos", "Murphy", "Kelly", "O'Brien", "Yilmaz", "Kaya", "Popescu", "Kazlauskas"],
            ["Anna", "Maria", "Giulia", "Lucia", "Ana", "Sofia", "Aoife", "Elif", "Zeynep", "Ioana", "Agnieszka", "Ruta"],
            ["Piotr", "Marco", "Luca", "Jose", "Pedro", "Sean", "Emre", "Mehmet", "Andrei", "Tomasz", "Jonas", "Diego"],
            [("en", 0.55), ("pl", 0.15), ("tr", 0.1), ("pt", 0.07), ("es", 0.05), ("it", 0.04), ("ro", 0.02), ("lt", 0.02)], 0.3),
        new("Black African", 0.05,
            ["Abdi", "Mohamed", "Farah", "Hassan", "Omar", "Warsame", "Jama", "Okafor", "Mensah", "Oyelaran", "Adeyemi", "Boateng"],
            ["Hodan", "Fadumo", "Sahra", "Ifrah", "Amal", "Chiamaka", "Ama", "Adaeze", "Folake", "Abena"],
            ["Abdirahman", "Mahad", "Yusuf", "Ahmed", "Chinedu", "Kwame", "Kofi", "Tunde", "Emeka", "Samuel"],
            [("en", 0.6), ("so", 0.3), ("yo", 0.05), ("tw", 0.05)], 0.4),
        new("Other", 0.20,
            ["Chen", "Wang", "Li", "Nguyen", "Patel", "Shah", "Kaur", "Singh", "Campbell", "Lewis", "Francis", "Grant", "Akhtar", "Malik", "Tanaka", "Hernandez"],
            ["Mei", "Lin", "Priya", "Anjali", "Simran", "Chantelle", "Keisha", "Zara", "Hina", "Yuki", "Mariana", "Thu"],
            ["Wei", "Jun", "Arjun", "Rohan", "Harpreet", "Marcus", "Andre", "Tyrone", "Bilal", "Hiroshi", "Carlos", "Minh"],
            [("en", 0.75), ("zh", 0.08), ("ur", 0.07), ("pa", 0.04), ("vi", 0.03), ("ar", 0.03)], 0.35),
    ];

    internal static readonly double[] CommunityCumulative = Cumulative(Communities.Select(c => c.Share));

    internal static readonly string[] CarerRelationships = ["Daughter", "Son", "Wife", "Husband", "Partner", "Sister", "Brother", "Friend", "Neighbour", "Granddaughter"];

    /// <summary>Letters used in the last two characters of a UK postcode (C, I, K, M, O and V are never used there).</summary>
    internal const string PostcodeUnitLetters = "ABDEFGHJLNPQRSTUWXYZ";

    /// <summary>Postcode districts next to the borough: a few registered patients live outside it.</summary>
    internal static readonly string[] NeighbouringDistricts = ["E8", "E9", "E15", "E16", "EC1", "EC2", "IG1", "SE16"];

    internal static double[] Cumulative(IEnumerable<double> weights)
    {
        var list = new List<double>();
        var sum = 0.0;
        foreach (var w in weights)
        {
            sum += w;
            list.Add(sum);
        }
        return [.. list];
    }
}
