"""Graded relevance judgements over the demo catalogue (fixtures/demo.py), and nDCG.

Grades: 3 = what the query asks for, 2 = a good answer, 1 = related. Resources not listed
are irrelevant (0). Judged from the catalogue's text, before looking at any ranking.
"""

import math

PODCAST = ["Hermannplatz Podcast Studio", "Gowanus Podcast Suite", "Namma Podcast Studio",
           "Fleet Street Podcast Room", "Sumidagawa Podcast Booth"]
REHEARSAL = ["Proberaum A", "Proberaum B", "Maxwell Street Blues Room"]
OFFICES = ["Hinterhof Office", "Sihl-Büro", "Third Avenue Private Office", "Prairie Office",
           "100 Feet Road Cabin", "Clerkenwell Green Office"]
PHOTO = ["Nordlicht-Atelier", "West Loop Photo Studio", "Asakusa White Studio",
         "Rooftop Valley Studio", "Brooklyn Cyclorama Stage", "Chroma Key Studio"]
ZURICH = ["Züri-Stube", "Seeblick-Saal", "Café Grünschnabel Lounge", "Nordlicht-Atelier",
          "Sihl-Büro", "Schreibtisch am Fenster", "Telefonkabine Limmat", "Werkstatt Kreis 5",
          "Üetliberg Transporter"]
KATHMANDU = ["Kasthamandap Room", "Himalaya Co-working Desk", "Rooftop Valley Studio",
             "Singing Bowl Sound Room", "Courtyard Stage", "Patan Crafts Workshop",
             "Nagarkot Jeep"]


def grades(*groups: tuple[int, list[str]]) -> dict[str, int]:
    return {name: grade for grade, names in groups for name in names}


QUERIES: dict[str, dict[str, int]] = {
    # exact names
    "Landwehr Room": grades((3, ["Landwehr Room"])),
    "Tatami Room": grades((3, ["Tatami Room"]), (1, ["Sumida Meeting Room"])),
    "Synth Lab": grades((3, ["Synth Lab"])),
    "Press Hall": grades((3, ["Press Hall"]), (1, ["Tonwerk Hall", "Fulton Hall"])),
    "Nagarkot Jeep": grades((3, ["Nagarkot Jeep"]), (1, ["Nandi Hills Tempo Traveller"])),
    "Old Darkroom": {},  # inactive: nothing should come back ranked as relevant
    # categories and kinds of things
    "boardroom": grades((3, ["Admiralbrücke Boardroom", "Skyline Boardroom"]),
                        (1, ["Carroll Street Conference Room"])),
    "podcast studio": grades((3, PODCAST), (1, ["Voiceover Booth"])),
    "rehearsal room": grades((3, REHEARSAL), (2, ["Singing Bowl Sound Room"])),
    "phone booth": grades((3, ["Telefonzelle Grün", "Telefonkabine Limmat", "Focus Booth 4B"]),
                          (1, ["Voiceover Booth"])),
    "private office": grades((3, OFFICES)),
    "photo studio": grades((3, PHOTO)),
    "van": grades((3, ["Kiez Electric Van", "Clerkenwell Electric Van", "Red Hook Cargo Van"]),
                  (2, ["Üetliberg Transporter"])),
    "truck": grades((3, ["Taitō Kei Truck"]), (1, ["Üetliberg Transporter"])),
    "test kitchen": grades((3, ["Brooklyn Test Kitchen"])),
    "event hall": grades((3, ["Rooftop Loft", "Tonwerk Hall", "Seeblick-Saal",
                              "Canal Side Event Space", "Fulton Hall", "Lalbagh Hall",
                              "Courtyard Stage", "Kuramae Gallery Hall", "Press Hall"])),
    # descriptions
    "drum kit": grades((3, ["Proberaum A", "Proberaum B"]), (2, ["Maxwell Street Blues Room"])),
    "green screen": grades((3, ["Chroma Key Studio", "Brooklyn Cyclorama Stage"])),
    "cyclorama": grades((3, ["Brooklyn Cyclorama Stage"]),
                        (2, ["Nordlicht-Atelier", "Asakusa White Studio"])),
    "letterpress": grades((3, ["Letterpress Studio"]),
                          (2, ["Kuramae Leather and Indigo Workshop"])),
    "woodworking workshop": grades((3, ["Werkstatt Kreis 5"]), (2, ["Patan Crafts Workshop"]),
                                   (1, ["Windy City Makerspace"])),
    "laser cutter": grades((3, ["Werkstatt Kreis 5"]), (1, ["Windy City Makerspace"])),
    "singing bowls meditation": grades((3, ["Singing Bowl Sound Room"])),
    "indigo dyeing": grades((3, ["Kuramae Leather and Indigo Workshop"])),
    "airport transfer": grades((3, ["Nandi Hills Tempo Traveller"])),
    "concert": grades((3, ["Tonwerk Hall"]), (2, ["Courtyard Stage"]), (1, ["Lalbagh Hall"])),
    "wedding": grades((2, ["Fulton Hall", "Rooftop Valley Studio"])),
    "lake view": grades((3, ["Seeblick-Saal"])),
    "espresso machine": grades((3, ["Admiralbrücke Boardroom", "Café Nook",
                                    "Union Street Hot Desk", "Brooklyn Test Kitchen",
                                    "Café Grünschnabel Lounge", "Chai and Filter Café Booth",
                                    "Exmouth Market Desk"])),
    "night owl desk": grades((3, ["Night Owl Capsule Desk"]),
                             (2, ["Union Street Hot Desk", "Startup Bay Desk",
                                  "Canal View Desk"])),
    # attribute combinations
    "wheelchair studio berlin": grades((2, ["Tonwerk Hall", "Rooftop Loft"]),
                                       (1, ["Hermannplatz Podcast Studio"])),
    "projector berlin": grades((3, ["Landwehr Room", "Admiralbrücke Boardroom", "Rooftop Loft",
                                    "Synth Lab"])),
    "meeting room tokyo": grades((3, ["Sumida Meeting Room"]), (2, ["Tatami Room"])),
    "event hall london": grades((3, ["Press Hall"])),
    "kitchenette private office": grades((3, ["Hinterhof Office",
                                              "Third Avenue Private Office",
                                              "100 Feet Road Cabin",
                                              "Clerkenwell Green Office"]),
                                         (1, ["Sihl-Büro", "Prairie Office"])),
    "quiet studio with natural light": grades(
        (3, ["Nordlicht-Atelier", "West Loop Photo Studio", "Asakusa White Studio",
             "Rooftop Valley Studio"]), (1, ["Library Quiet Desk"])),
    '"video podcast"': grades((3, ["Hermannplatz Podcast Studio", "Gowanus Podcast Suite"])),
    "meeting room -projector": grades((3, ["Züri-Stube", "Café Nook",
                                           "Café Grünschnabel Lounge",
                                           "Chai and Filter Café Booth", "Sumida Meeting Room",
                                           "Tatami Room", "Skyline Boardroom"])),
    # accents
    "zurich": grades((2, ZURICH)),
    "cafe": grades((3, ["Café Nook", "Café Grünschnabel Lounge", "Chai and Filter Café Booth"]),
                   (1, ["Exmouth Market Desk", "Telefonkabine Limmat", "Seeblick-Saal"])),
    "zuri stube": grades((3, ["Züri-Stube"])),
    "grunschnabel": grades((3, ["Café Grünschnabel Lounge"]), (1, ["Seeblick-Saal"])),
    "uetliberg": grades((3, ["Üetliberg Transporter"])),
    "kathmandu": grades((2, KATHMANDU)),
    # prefixes (search as you type)
    "podc": grades((3, PODCAST)),
    "rehears": grades((3, REHEARSAL)),
    "boardr": grades((3, ["Admiralbrücke Boardroom", "Skyline Boardroom"])),
    "kitchenet": grades((3, ["Hinterhof Office", "Rooftop Loft", "Seeblick-Saal",
                             "Third Avenue Private Office", "Canal Side Event Space",
                             "Brooklyn Test Kitchen", "Fulton Hall", "100 Feet Road Cabin",
                             "Lalbagh Hall", "Courtyard Stage", "Clerkenwell Green Office",
                             "Press Hall"])),
    # typos
    "podcats studio": grades((3, PODCAST), (1, ["Voiceover Booth"])),
    "rehersal room": grades((3, REHEARSAL), (2, ["Singing Bowl Sound Room"])),
    "letterpres": grades((3, ["Letterpress Studio"]),
                         (2, ["Kuramae Leather and Indigo Workshop"])),
}

# Single-typo queries: the intended resource must be in the top 3.
TYPOS: dict[str, str] = {
    "landwher room": "Landwehr Room",
    "tatamy room": "Tatami Room",
    "cyclorma stage": "Brooklyn Cyclorama Stage",
    "letterpres studio": "Letterpress Studio",
    "synht lab": "Synth Lab",
    "windy city makerspce": "Windy City Makerspace",
    "skyline bordroom": "Skyline Boardroom",
    "kasthamandup room": "Kasthamandap Room",
    "singing bowll": "Singing Bowl Sound Room",
    "telefonzele": "Telefonzelle Grün",
    "capsul desk": "Night Owl Capsule Desk",
    "voiceovr booth": "Voiceover Booth",
    "chrome key studio": "Chroma Key Studio",
    "indigo workshp": "Kuramae Leather and Indigo Workshop",
    "nagarkott jeep": "Nagarkot Jeep",
    "farringdon rooom": "Farringdon Room",
    "hermanplatz podcast": "Hermannplatz Podcast Studio",
    "gowanus podcst": "Gowanus Podcast Suite",
    "lalbag hall": "Lalbagh Hall",
    "seeblik saal": "Seeblick-Saal",
}


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    """nDCG@k of a ranking; a query with nothing relevant scores 1 when nothing comes back."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    if ideal == 0:
        return 1.0 if not ranked else 0.0
    return dcg([judged.get(name, 0) for name in ranked[:k]]) / ideal
